package dev.sva.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import dev.sva.support.Browser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.test.context.TestPropertySource;

/**
 * Swagger UI as a person meets it, in a real headless Chromium: each operation of the README's story
 * expanded, "Try it out", "Execute" with the examples left as they are, and the answer Swagger UI
 * shows. A database of this class's own, so the examples' names and ids ({@code host-a}, {@code dev-1},
 * {@code as-1}) are those of a fresh service. Screenshots under {@code target/screenshots/}.
 */
@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:sva-swagger-ui-${random.uuid};DB_CLOSE_DELAY=-1")
class SwaggerUiTest extends ApiTest {

    @RegisterExtension
    static final Browser browser = new Browser();

    @Test
    void uneditedExamplesOfTheStorySucceedInSwaggerUi() {
        browser.open("http://127.0.0.1:" + port + "/swagger-ui.html");
        authorize(Api.ADMIN_TOKEN);

        assertThat(execute("Nodes", "createNode")).isEqualTo("201");
        browser.screenshot("createNode-201");
        assertThat(execute("Devices", "createDevice")).isEqualTo("201");
        assertThat(execute("Address spaces", "createAddressSpace")).isEqualTo("201");
        assertThat(execute("Address spaces", "mapRegion")).isEqualTo("201");
        assertThat(execute("Bonds", "bindDevice")).isEqualTo("201");
        assertThat(execute("DMA", "translateDma")).isEqualTo("200");
        assertThat(responseBody("DMA", "translateDma")).contains("\"outcome\": \"TRANSLATED\"");
        browser.screenshot("translateDma-200");
    }

    @Test
    void theStreamOperationSaysHowToWatchIt() {
        browser.open("http://127.0.0.1:" + port + "/swagger-ui.html");
        WebElement operation = expand("Events", "streamEvents");
        String description = browser.await(d -> {
            String text = operation.findElement(By.cssSelector(".opblock-description-wrapper")).getText();
            return text.isBlank() ? null : text;
        });
        assertThat(description).contains("How to use it", "curl -N", "EventSource", "Last-Event-ID", "seq");
        browser.screenshot("streamEvents-description");
    }

    /** Swagger UI's Authorize dialog, as a person uses it: paste the bearer token, Authorize, Close. */
    private void authorize(String token) {
        browser.await(d -> d.findElement(By.cssSelector(".scheme-container button.authorize"))).click();
        WebElement dialog = browser.await(d -> d.findElement(By.cssSelector(".modal-ux .auth-container")));
        dialog.findElement(By.cssSelector("input")).sendKeys(token);
        dialog.findElement(By.cssSelector("button.authorize")).click();
        browser.await(d -> d.findElement(By.cssSelector(".modal-ux button.btn-done"))).click();
        browser.await(d -> d.findElements(By.cssSelector(".modal-ux")).isEmpty());
    }

    /** Expands the operation, presses "Try it out" and "Execute"; the status of the answer shown. */
    private String execute(String tag, String operationId) {
        WebElement operation = expand(tag, operationId);
        browser.await(d -> operation.findElement(By.cssSelector("button.try-out__btn"))).click();
        browser.await(d -> operation.findElement(By.cssSelector("button.execute"))).click();
        WebElement status = browser.await(d -> {
            WebElement cell = operation.findElement(By.cssSelector(".live-responses-table .response .response-col_status"));
            return cell.getText().isBlank() ? null : cell;
        });
        browser.script("arguments[0].scrollIntoView({block: 'center'})", status);
        return status.getText().trim().split("\\s+")[0];
    }

    private String responseBody(String tag, String operationId) {
        return operation(tag, operationId).findElement(By.cssSelector(".live-responses-table .response-col_description pre"))
                .getText();
    }

    /** The operation's block, opened (its tag section first, when it is collapsed). */
    private WebElement expand(String tag, String operationId) {
        WebElement operation = operation(tag, operationId);
        if (!operation.getAttribute("class").contains("is-open")) {
            browser.script("arguments[0].scrollIntoView({block: 'center'})", operation);
            operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        }
        browser.await(d -> operation.getAttribute("class").contains("is-open"));
        return operation;
    }

    private WebElement operation(String tag, String operationId) {
        String id = "operations-" + tag.replace(' ', '_') + "-" + operationId;
        return browser.await(d -> d.findElement(By.id(id)));
    }
}
