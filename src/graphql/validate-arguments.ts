import { validateOrReject, ValidationError, ValidatorOptions } from 'class-validator';
import { ArgumentValidationError, ValidatorFn } from 'type-graphql';

/** What type-graphql's own `validate: true` passes to class-validator. */
const OPTIONS: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false };

/**
 * The class-validator rules of input objects and argument classes, as type-graphql's `validate: true` checks
 * them (objects and each object of a list; scalars pass; ArgumentValidationError on a broken rule), with
 * class-validator imported once: type-graphql's own path requires it again for every argument it checks.
 */
export const validateArguments: ValidatorFn = async (value) => {
  const objects = Array.isArray(value) ? (value as unknown[]) : [value];
  try {
    await Promise.all(
      objects
        .filter((item): item is object => item !== null && typeof item === 'object')
        .map((item) => validateOrReject(item, OPTIONS)),
    );
  } catch (errors) {
    throw new ArgumentValidationError(errors as ValidationError[]);
  }
};
