// The one error a bill that cannot be used raises (issue 7 "Bad input"): malformed, for another
// day, for another merchant or store. Its message names what was wrong and where (file, line);
// nothing is stored when it is thrown, so fixing the input and running again is always safe.

export class BillError extends Error {
  override name = 'BillError';
}
