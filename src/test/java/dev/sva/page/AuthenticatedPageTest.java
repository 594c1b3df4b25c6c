package dev.sva.page;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;

/**
 * The page with authentication (issues 10 and 13), as a person uses it: without a token it says that one
 * is needed and where to put it; with a minted viewer token it shows the fabric and answers the ACS
 * what-if (a read), while the DMA it offers (a change) is refused with the 403 in words; the token
 * stays for a reload of the tab (session storage) and is not in a new tab.
 */
class AuthenticatedPageTest extends PageTestSupport {

    /** The page in this tab as a first visit: nothing in the origin's session storage. */
    private void openWithoutToken() {
        browser.open(base() + "/css/page.css"); // same origin, so its session storage can be emptied first
        browser.script("sessionStorage.clear()");
        browser.open(base() + "/#node=" + node);
    }

    private void awaitTokenNeeded() {
        browser.await(d -> "needed".equals(d.findElement(By.tagName("body")).getAttribute("data-auth")));
    }

    private void useToken(String token) {
        WebElement field = browser.find(By.id("token"));
        field.clear();
        field.sendKeys(token);
        browser.find(By.id("token-save")).click();
    }

    private String mint(String role) {
        Response r = api.post("/api/v1/tokens", Api.json(Map.of("role", role, "expiresIn", 600)));
        assertThat(r.status()).as("mint %s: %s", role, r).isEqualTo(201);
        return r.str("token");
    }

    private String deviceAt(String bdf) {
        for (var d : api.get("/api/v1/devices?node=" + node + "&limit=1000").body().path("items")) {
            if (bdf.equals(d.path("bdf").asString())) {
                return d.path("id").asString();
            }
        }
        throw new AssertionError("no device at " + bdf);
    }

    @Test
    void withoutATokenThePageSaysOneIsNeededAndWhere() {
        openWithoutToken();
        awaitTokenNeeded();
        browser.screenshot("without-token");

        assertThat(text("#status")).contains("A bearer token is needed").contains("“Bearer token”").contains("data/admin.token");
        assertThat(browser.find(By.id("status")).getAttribute("class")).contains("bad");
        assertThat(browser.script("return document.activeElement.id")).as("the cursor is in the token field").isEqualTo("token");
        assertThat(browser.find(By.cssSelector("label[for=token]")).getText()).isEqualTo("Bearer token");
        assertThat(browser.findAll(By.cssSelector("button.row"))).as("no fabric without a token").isEmpty();
        assertThat(text("#tree")).contains("once the service accepts your token");

        useToken("not-a-token");
        browser.await(d -> d.findElement(By.id("status")).getText().contains("The token was refused"));
        assertThat(browser.find(By.tagName("body")).getAttribute("data-auth")).isEqualTo("needed");
        browser.screenshot("refused-token");
    }

    @Test
    void aViewerSeesTheFabricAndAsksWhatIfButItsDmaIsRefusedReadably() {
        Response imported = api.send("PUT", "/api/v1/nodes/" + node + "/topology", Api.json(Map.of("functions", Fabrics.small(List.of()))));
        assertThat(imported.status()).as("%s", imported).isEqualTo(200);
        String audio = deviceAt("0000:01:00.1");
        String viewer = mint("sva:viewer");

        openWithoutToken();
        awaitTokenNeeded();
        // by keyboard: the cursor is already in the token field, Enter uses it
        browser.find(By.id("token")).sendKeys(viewer, Keys.ENTER);
        awaitRendered();
        browser.await(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
        assertThat(browser.find(By.tagName("body")).getAttribute("data-auth")).isNull();
        assertThat(row("0000:01:00.0").getText()).contains("10de:20b0").contains("driver vfio-pci");
        assertThat(text("#status")).contains("Node " + node + ": 5 functions");
        browser.screenshot("viewer-fabric");

        // the what-if asks, changes nothing: a viewer may
        row("0000:00:01.0").sendKeys(Keys.ENTER);
        browser.await(d -> d.findElement(By.id("detail")).getText().contains("What if 0000:00:01.0 changed its ACS control?"));
        browser.find(By.xpath("//button[text()='Enable SV RR CR UF']")).click();
        browser.await(d -> d.findElement(By.id("whatif")).getText().contains("Nothing has changed"));
        assertThat(text("#whatif")).contains("1 split, 0 merged");
        browser.screenshot("viewer-what-if");

        // a DMA leaves fault records: a change, which a viewer may not make
        assertThat(sendDma(audio, null, "0x1000", "READ")).isEqualTo("ERROR");
        WebElement refused = browser.find(By.cssSelector("#dma-result [data-outcome]"));
        assertThat(refused.getAttribute("data-code")).isEqualTo("FORBIDDEN");
        assertThat(refused.getText()).startsWith("Not allowed with this token (403 FORBIDDEN)").contains("sva:tenant");
        assertThat(refused.getAttribute("role")).isEqualTo("alert");
        browser.script("arguments[0].scrollIntoView({block: 'center'})", refused);
        browser.screenshot("viewer-dma-refused");
    }

    @Test
    void theTokenSurvivesAReloadOfTheTabButIsNotInANewTab() {
        String viewer = mint("sva:viewer");
        openWithoutToken();
        awaitTokenNeeded();
        useToken(viewer);
        awaitRendered();

        WebDriver driver = browser.driver();
        driver.navigate().refresh();
        awaitRendered();
        assertThat(browser.find(By.id("token")).getAttribute("value")).isEqualTo(viewer);
        assertThat(browser.find(By.tagName("body")).getAttribute("data-auth")).isNull();
        assertThat(browser.script("return sessionStorage.getItem('sva.token')")).isEqualTo(viewer);
        browser.await(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));

        String first = driver.getWindowHandle();
        driver.switchTo().newWindow(WindowType.TAB);
        try {
            browser.open(base() + "/#node=" + node);
            awaitTokenNeeded();
            assertThat(browser.find(By.id("token")).getAttribute("value")).isEmpty();
            assertThat(browser.script("return sessionStorage.getItem('sva.token')")).isNull();
            assertThat(text("#status")).contains("A bearer token is needed");
            browser.screenshot("new-tab-without-token");
            assertThat(browser.consoleErrors()).as("script errors in the new tab")
                    .filteredOn(m -> !m.contains("Failed to load resource") && !m.contains("net::ERR_")).isEmpty();
        } finally {
            driver.close();
            driver.switchTo().window(first);
        }
    }
}
