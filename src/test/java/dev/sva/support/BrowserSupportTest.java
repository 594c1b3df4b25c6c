package dev.sva.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/** The browser support itself: Chromium starts headless, reaches the service over real HTTP, writes screenshots. */
class BrowserSupportTest extends ApiTest {

    @RegisterExtension
    static final Browser browser = new Browser();

    @Test
    void chromiumLoadsAPageOfTheServiceAndWritesAScreenshot() throws Exception {
        browser.open("http://127.0.0.1:" + port + "/v3/api-docs");

        assertThat(browser.find(By.tagName("body")).getText()).contains("\"openapi\"");
        assertThat(browser.script("return navigator.userAgent")).asString().contains("HeadlessChrome");
        Path png = browser.screenshot("api-docs");
        byte[] head = Files.readAllBytes(png);
        assertThat(head).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }
}
