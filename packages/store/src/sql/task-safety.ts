/**
 * The task's `safety` with the items in `param` (a JSON array) added: unchanged when the array
 * is empty, items already recorded are not added twice (a re-delivered job records nothing new).
 */
export const MERGED_SAFETY = (param: string) => `CASE WHEN jsonb_array_length(${param}::jsonb) = 0 THEN safety ELSE jsonb_build_object(
    'flagged', true,
    'items', coalesce(safety->'items', '[]'::jsonb) || coalesce(
      (SELECT jsonb_agg(i) FROM jsonb_array_elements(${param}::jsonb) AS i WHERE NOT coalesce(safety->'items', '[]'::jsonb) @> jsonb_build_array(i)),
      '[]'::jsonb)) END`;

/** The UPDATE that adds safety items (a JSON array parameter) to a task's record (see MERGED_SAFETY). */
export function taskSafetyUpdateSql(taskIdParam: string, itemsParam: string): string {
  return `UPDATE tasks SET safety = ${MERGED_SAFETY(itemsParam)} WHERE id = ${taskIdParam}`;
}
