// Node CommonJS: require() the package (its "require" entry), no shutdown().
const lib = require("hz-portfolio");

import("./portfolio.mjs").then(async ({ run }) => console.log(await run(lib)));
