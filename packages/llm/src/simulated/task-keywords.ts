const STOPWORDS = new Set(
  'about above after again against also because been before being below between both could does doing down during each from further have having here itself just more most once only other ought ours ourselves over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom with would your yours yourself please using into make made need needs want task tasks subtask answer json return respond given following must will shall each every'.split(
    ' ',
  ),
);

/** Distinctive words of a text, in order of first appearance: what the simulated answers talk about. */
export function taskKeywords(text: string, limit = 8): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const match of text.matchAll(/[\p{L}][\p{L}\p{N}-]{3,}/gu)) {
    const word = match[0].toLowerCase().replace(/-+$/, '');
    if (STOPWORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
    if (words.length >= limit) break;
  }
  return words;
}
