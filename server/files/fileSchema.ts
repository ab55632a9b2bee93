/** Stored FILE uploads (KalamDB §4.3, §4.6): bytes in PGlite, so `--data` keeps them. */
export const FILES_SQL = `
CREATE TABLE IF NOT EXISTS livebind.files (
  tbl text NOT NULL, sub text NOT NULL, stored_name text NOT NULL, owner text NOT NULL, mime text NOT NULL,
  size int8 NOT NULL, sha256 text NOT NULL, data bytea NOT NULL, PRIMARY KEY (tbl, sub, stored_name));
`;
