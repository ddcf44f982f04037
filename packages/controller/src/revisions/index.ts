/** Revisions of functions: which change makes one, finding one, and its wire form. */
export { recordRevision, type RecordRevisionInput } from "./record.js";
export { findRevision, previousRevision, revisionNumberOf } from "./lookup.js";
export { toRevisionView } from "./view.js";
