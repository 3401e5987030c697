// comlink ships ESM as .mjs without an exports map; its types live with the UMD build.
declare module "comlink/dist/esm/comlink.mjs" {
  export * from "comlink";
}
