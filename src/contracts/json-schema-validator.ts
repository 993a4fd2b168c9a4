import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export sits on `.default`.
const addFormats = addFormatsModule.default;

export type { ErrorObject, ValidateFunction };

/**
 * One ajv instance for user-supplied contract schemas (draft 2020-12, strict, with formats).
 * Strict mode refuses unknown keywords, so a typo in a contract fails at registration, not silently.
 */
export const createSchemaCompiler = () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateFormats: true });
  addFormats(ajv);
  return {
    compile(schema: Record<string, unknown>): ValidateFunction {
      // Schemas are compiled without registering their $id so versions of one contract can coexist.
      const { $id: _ignored, ...anonymous } = schema;
      return ajv.compile(anonymous);
    },
  };
};

export type SchemaCompiler = ReturnType<typeof createSchemaCompiler>;

/** ajv's error list in Tessera's reason form: a JSON pointer into the properties and a sentence. */
export const describeSchemaErrors = (
  errors: readonly ErrorObject[] | null | undefined,
): { path: string; keyword: string; message: string }[] =>
  (errors ?? []).map((error) => {
    const extra = error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
    const path = `${error.instancePath}${extra}` || '/';
    const message =
      error.keyword === 'additionalProperties'
        ? `field '${String(error.params.additionalProperty)}' is not declared by the contract`
        : error.keyword === 'required'
          ? `required field '${String(error.params.missingProperty)}' is missing`
          : `${error.instancePath || 'properties'} ${error.message ?? 'is invalid'}`;
    return {
      path: error.keyword === 'required' ? `${error.instancePath}/${String(error.params.missingProperty)}` : path,
      keyword: error.keyword,
      message,
    };
  });
