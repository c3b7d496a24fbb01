// The project resolves modules the classic Node way, which does not read package "exports"; this
// points the graphql-ws WebSocket adapter's import at its type declarations.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
