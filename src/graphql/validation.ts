/** Shared class-validator rules of the API. */
export const CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,39}$/;
export const CODE_MESSAGE =
  '$property must be 2 to 40 upper-case letters, digits and dashes, starting with a letter or digit';
export const PRICE_PATTERN = /^\d{1,13}(\.\d{1,2})?$/;
export const PRICE_MESSAGE =
  '$property must be a non-negative amount of yuan with at most two decimals, e.g. "12.50"';
