/**
 * A TIMESTAMP cell as a Date: KalamDB sends microseconds since the epoch (a number, or a string
 * when exact), Supabase's postgres_changes and /rest/v1 send ISO text. Null or unreadable: undefined.
 */
export function timestampDate(value: number | string | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = typeof value === 'number' || /^\d+$/.test(value) ? new Date(Number(value) / 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
