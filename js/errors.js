'use strict'
// Native errors carry their structured fields (code, retryable, httpStatus, requestId,
// awsType, location, keyPath) as JSON after a marker at the end of the message, because a
// napi rejection cannot carry properties (see src/error.rs). Here they are moved onto the
// Error object and the message is left as the human text.

const DETAILS_MARKER = '\u0000bedrock-native:'

/** Moves marker-encoded details onto `error`; returns it. Leaves other errors alone. */
function decorateError(error) {
  if (!error || typeof error.message !== 'string') return error
  const at = error.message.indexOf(DETAILS_MARKER)
  if (at < 0) {
    // Every error the addon raises itself carries the marker. Without it, napi raised
    // it: `GenericFailure` is a caught Rust panic (a bug: InternalError), the
    // `*Expected`/`InvalidArg` statuses are arguments of the wrong JS type.
    if (error.code === 'GenericFailure') {
      setField(error, 'code', 'InternalError')
      setField(error, 'retryable', false)
    } else if (error.code === 'InvalidArg' || /Expected$/.test(String(error.code))) {
      setField(error, 'code', 'InvalidArgument')
      setField(error, 'retryable', false)
      asTypeError(error)
    }
    return error
  }
  const encoded = error.message.slice(at + DETAILS_MARKER.length)
  error.message = error.message.slice(0, at)
  if (typeof error.stack === 'string') error.stack = error.stack.split(DETAILS_MARKER)[0]
  let details
  try {
    details = JSON.parse(encoded)
  } catch {
    return error
  }
  for (const [key, value] of Object.entries(details)) setField(error, key, value)
  if (details.code === 'InvalidArgument') asTypeError(error)
  return error
}

// Own data property: `code` on a napi Error may be read-only; redefine it.
function setField(error, key, value) {
  Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true })
}

function asTypeError(error) {
  if (error instanceof TypeError) return
  Object.setPrototypeOf(error, TypeError.prototype)
  error.name = 'TypeError'
}

/** Wraps a native function so thrown errors and rejections are decorated. */
function wrapNative(fn) {
  const wrapped = function (...args) {
    let result
    try {
      result = fn.apply(this, args)
    } catch (error) {
      throw decorateError(error)
    }
    if (result && typeof result.then === 'function') {
      return result.then(undefined, (error) => {
        throw decorateError(error)
      })
    }
    return result
  }
  Object.defineProperty(wrapped, 'name', { value: fn.name })
  return wrapped
}

/** A TypeError with code InvalidArgument naming what was wrong, as the native layer
 *  throws for bad arguments. */
function invalidArgument(message) {
  const error = new TypeError(message)
  error.code = 'InvalidArgument'
  error.retryable = false
  return error
}

module.exports = { DETAILS_MARKER, decorateError, wrapNative, invalidArgument }
