import {
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MalformedNotificationError } from '#domain/errors';
import { isTransientStoreError, StoreUnavailableError } from '#store/transient-errors';

describe('which store errors mean "try again later"', () => {
  it.each([
    ['a lost connection', new MongoNetworkError('connection reset')],
    ['a socket timeout', new MongoNetworkTimeoutError('timed out')],
    ['an operation over its timeoutMS', new MongoOperationTimeoutError('timed out')],
    ['a store that failed to open at a cold start', new StoreUnavailableError(new Error('ECONNREFUSED'))],
    ['a primary stepping down', new MongoServerError({ message: 'stepped down', code: 189 })],
    ['a query over its maxTimeMS', new MongoServerError({ message: 'time limit', code: 50 })],
  ])('%s is transient', (_, error) => {
    expect(isTransientStoreError(error)).toBe(true);
  });

  it('judges a wrapped error by its cause', () => {
    expect(
      isTransientStoreError(new Error('writing x failed', { cause: new MongoNetworkError('reset') })),
    ).toBe(true);
  });

  it.each([
    ['a malformed notification', new MalformedNotificationError('is not valid JSON', 'oslo.message')],
    ['a duplicate key', new MongoServerError({ message: 'E11000 duplicate key', code: 11000 })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'at')")],
    ['something thrown that is not an error', 'connection reset'],
  ])('%s is not transient', (_, error) => {
    expect(isTransientStoreError(error)).toBe(false);
  });
});
