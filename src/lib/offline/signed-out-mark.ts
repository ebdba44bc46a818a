/**
 * The mark a sign-out leaves when the browser's copy of the user's data was not cleared before the
 * form was posted (a click before the page had hydrated posts it natively, without the page's
 * handler): a cookie with the user's id, set by the sign-out action
 * (`src/lib/server/http/cookies.ts`), read and removed by the next page
 * (`src/lib/offline/server-sign-out.ts`). The handler says it has cleared with the form field.
 */
export const SIGNED_OUT_COOKIE = 'hh_signed_out';
/** The sign-out form's field the page's handler sets once it has cleared the user's data. */
export const CLEARED_FIELD = 'cleared';
