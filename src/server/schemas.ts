import { Type } from '@sinclair/typebox';

/** Shared response shapes. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error: a stable code, a message and, where useful, details' },
);

/** The error answers a route can give, referenced by status code in its OpenAPI description. */
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, Type.Ref(ErrorResponse)]));
