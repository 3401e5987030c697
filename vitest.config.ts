import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// Two projects: Node (everything under test/, except browser-only files) and real Chromium
// (Debian's /usr/bin/chromium via playwright-core; never a downloaded browser).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/runtime/browser.test.ts", "test/runtime/deno.test.ts"],
        },
      },
      {
        test: {
          name: "chromium",
          include: ["test/runtime/browser.test.ts"],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
                args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--disable-sync", "--no-first-run"],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
