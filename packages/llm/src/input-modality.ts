/** What a model can read besides text. A request's attachments each need one of these. */
export const INPUT_MODALITIES = ['text', 'image', 'pdf', 'audio'] as const;
export type InputModality = (typeof INPUT_MODALITIES)[number];

/** The modality of a media type: image/* → image, application/pdf → pdf, audio/* → audio. */
export function modalityOf(mediaType: string): InputModality {
  const type = mediaType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('audio/')) return 'audio';
  throw new Error(`no model input modality for media type ${mediaType}`);
}
