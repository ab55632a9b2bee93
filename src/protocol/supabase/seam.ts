/** The shared protocol seam (src/protocol/driver.ts) as this driver uses it. */
export type { Column, FeedHandle, Frame, Link, LoadKind, Row, RowChange, RowSink, Session } from '../driver.js';
