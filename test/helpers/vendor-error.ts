import { VendorError } from '../../src/http/errors';

/** The VendorError `p` rejects with; the test fails when it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<VendorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VendorError);
  return e as VendorError;
}
