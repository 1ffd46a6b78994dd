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
  if (at < 0) return error
  const encoded = error.message.slice(at + DETAILS_MARKER.length)
  error.message = error.message.slice(0, at)
  if (typeof error.stack === 'string') error.stack = error.stack.split(DETAILS_MARKER)[0]
  let details
  try {
    details = JSON.parse(encoded)
  } catch {
    return error
  }
  for (const [key, value] of Object.entries(details)) {
    // Own data property: `code` on a plain Error is writable, and so are the others.
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true })
  }
  if (details.code === 'InvalidArgument' && !(error instanceof TypeError)) {
    Object.setPrototypeOf(error, TypeError.prototype)
    error.name = 'TypeError'
  }
  return error
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

module.exports = { DETAILS_MARKER, decorateError, wrapNative }
