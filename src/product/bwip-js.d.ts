// bwip-js publishes its types under the package's `node` export condition only, which TypeScript's
// Bundler resolution does not read; this declares the one function the label PDF uses.
declare module 'bwip-js' {
  interface RawSymbol {
    /** Modules row by row, 1 = dark. */
    pixs: number[];
    pixx: number;
    pixy: number;
    height: number;
    width: number;
  }
  const bwipjs: {
    raw(bcid: string, text: string, options: string): RawSymbol[];
  };
  export default bwipjs;
}
