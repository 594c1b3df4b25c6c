package dev.sva.page;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.Browser;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The page driven in Chromium against the service on its random port, with API fixtures beside it. */
abstract class PageTestSupport extends ApiTest {

    @RegisterExtension
    static final Browser browser = new Browser();

    /**
     * Every test ends without a script error in the page's console. Chromium also logs each non-2xx
     * answer and each dropped connection there; those are answers the page handles, not errors of it.
     */
    @AfterEach
    void noScriptErrors() {
        assertThat(browser.consoleErrors()).as("script errors of the page")
                .filteredOn(m -> !m.contains("Failed to load resource") && !m.contains("net::ERR_"))
                .isEmpty();
    }

    protected String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Opens the page on this test's node and waits until it has drawn it. */
    protected void openPage() {
        openPage(base());
    }

    protected void openPage(String origin) {
        browser.open("about:blank"); // a new load, not a hash change of the page already open
        browser.open(origin + "/#node=" + node);
        String token = adminToken();
        if (token != null && !token.equals(browser.find(By.id("token")).getAttribute("value"))) {
            // as a person would: paste the token, press "Use token" (kept in the tab's session storage)
            WebElement field = browser.find(By.id("token"));
            field.clear();
            field.sendKeys(token);
            browser.find(By.id("token-save")).click();
        }
        awaitRendered();
        browser.await(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
    }

    /** The admin token the test context knows, or {@code null} where the service asks for none. */
    protected String adminToken() {
        return environment.getProperty("sva.security.admin-token");
    }

    protected void awaitRendered() {
        browser.await(d -> node.equals(d.findElement(By.tagName("body")).getAttribute("data-node"))
                && "ready".equals(d.findElement(By.tagName("body")).getAttribute("data-state")));
    }

    protected WebElement row(String bdf) {
        return browser.await(d -> d.findElement(By.cssSelector("button.row[data-bdf='" + bdf + "']")));
    }

    protected String text(String cssSelector) {
        return browser.find(By.cssSelector(cssSelector)).getText();
    }

    /** Fills the DMA form and waits for its answer; returns the outcome the page shows. */
    protected String sendDma(String deviceId, String pasid, String address, String access) {
        browser.script("document.getElementById('dma-result').replaceChildren()");
        new Select(browser.find(By.id("dma-device"))).selectByValue(deviceId);
        WebElement p = browser.find(By.id("dma-pasid"));
        p.clear();
        if (pasid != null) {
            p.sendKeys(pasid);
        }
        WebElement a = browser.find(By.id("dma-address"));
        a.clear();
        a.sendKeys(address);
        new Select(browser.find(By.id("dma-access"))).selectByVisibleText(access);
        browser.find(By.cssSelector("#dma-form button[type=submit]")).click();
        return browser.await(d -> {
            List<WebElement> out = d.findElements(By.cssSelector("#dma-result [data-outcome]"));
            return out.isEmpty() ? null : out.get(0).getAttribute("data-outcome");
        });
    }

    // ---- API fixtures ----

    protected String deviceWithBar(String bdf, String groupId, int pasidBits, String barBase, long barSize) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("bdf", bdf);
        body.put("driver", "vfio-pci");
        body.put("pasidBits", pasidBits);
        if (groupId != null) {
            body.put("groupId", groupId);
        }
        body.put("bars", List.of(Map.of("index", 2, "base", barBase, "size", barSize)));
        return created(api.post("/api/v1/devices", Api.json(body)));
    }

    protected void map(String containerId, String iova, long size, String pa) {
        Response r = api.post("/api/v1/containers/" + containerId + "/mappings", Api.json(Map.of(
                "iova", iova, "size", size, "physicalAddress", pa, "read", true, "write", true)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }
}
