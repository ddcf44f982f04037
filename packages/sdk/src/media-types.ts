/** The content types the SDK gives a body when the handler named none. */
export const TEXT_TYPE = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json; charset=utf-8";
export const BYTES_TYPE = "application/octet-stream";
