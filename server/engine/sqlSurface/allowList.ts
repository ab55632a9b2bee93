/**
 * The SQL surface a client may use over `POST /v1/api/sql` (KalamDB's DML and query surface):
 * the statement kinds, functions and cast types below, over catalog tables only. Everything else
 * is refused before it reaches Postgres (fail closed). Nothing here runs a SQL string, reads or
 * changes a setting, sleeps, generates unbounded rows or text, or reaches a catalog.
 */

/** Statement kinds (pgsql-ast-parser `type`) accepted at the top level or inside WITH. */
export const STATEMENT_KINDS: ReadonlySet<string> = new Set([
  'select',
  'union',
  'union all',
  'intersect',
  'intersect all',
  'except',
  'except all',
  'values',
  'with',
  'insert',
  'update',
  'delete',
  'start transaction',
  'begin',
  'commit',
  'rollback',
]);

/** Scalar, aggregate and window functions. Every name is a built-in of pg_catalog; called unqualified. */
export const FUNCTIONS: ReadonlySet<string> = new Set([
  // predicates parsed as calls
  'exists', 'any', 'all', 'some',
  // null handling and comparison
  'coalesce', 'nullif', 'greatest', 'least',
  // math
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'power', 'pow', 'mod', 'exp', 'ln', 'log',
  'log10', 'div', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'random', 'width_bucket',
  // text (nothing that multiplies its input: no repeat, lpad, rpad)
  'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'lower', 'upper', 'initcap', 'trim', 'btrim', 'ltrim',
  'rtrim', 'substr', 'substring', 'position', 'strpos', 'replace', 'translate', 'left', 'right', 'concat', 'concat_ws',
  'split_part', 'starts_with', 'reverse', 'md5', 'ascii', 'chr', 'quote_literal', 'quote_ident', 'format_type',
  'regexp_replace', 'regexp_match', 'regexp_like', 'to_hex',
  // date and time
  'now', 'current_timestamp', 'current_date', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'date_trunc',
  'date_part', 'extract', 'age', 'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval', 'to_char',
  'to_date', 'to_timestamp', 'to_number', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'date_bin',
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'json_agg', 'jsonb_agg',
  'json_object_agg', 'jsonb_object_agg', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'percentile_cont', 'percentile_disc', 'mode',
  // window
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value',
  // JSON (builders and accessors; nothing that parses text into JSON beyond a bounded literal)
  'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array', 'to_json', 'to_jsonb', 'row_to_json',
  'json_array_length', 'jsonb_array_length', 'json_typeof', 'jsonb_typeof', 'json_extract_path', 'jsonb_extract_path',
  'json_extract_path_text', 'jsonb_extract_path_text', 'jsonb_set', 'jsonb_insert', 'jsonb_strip_nulls', 'json_strip_nulls',
  'jsonb_pretty', 'jsonb_exists',
  // arrays (no unnest / generate_series: they produce rows the planner cannot bound)
  'array_length', 'cardinality', 'array_position', 'array_append', 'array_prepend', 'array_cat', 'array_remove', 'array_to_string',
  // misc
  'gen_random_uuid', 'uuid',
]);

/** Cast target types (lower case; `varchar(10)` is checked as `varchar`). Arrays of these are allowed too. */
export const CAST_TYPES: ReadonlySet<string> = new Set([
  'text', 'varchar', 'character varying', 'char', 'character', 'bpchar', 'name',
  'int', 'int2', 'int4', 'int8', 'integer', 'smallint', 'bigint', 'numeric', 'decimal', 'real', 'float', 'float4', 'float8',
  'double precision', 'bool', 'boolean',
  'date', 'time', 'timetz', 'time without time zone', 'time with time zone', 'timestamp', 'timestamptz',
  'timestamp without time zone', 'timestamp with time zone', 'interval',
  'json', 'jsonb', 'uuid', 'bytea',
]);

/** Casts that parse their operand's text into a nested structure: only literals, parameters and columns may be cast to them. */
export const PARSING_CASTS: ReadonlySet<string> = new Set(['json', 'jsonb']);
