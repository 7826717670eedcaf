// Test code reads many JSON bodies whose shape the assertions check; typing each would only restate them.
export {};
declare global {
  interface Response {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    json(): Promise<any>;
  }
}
