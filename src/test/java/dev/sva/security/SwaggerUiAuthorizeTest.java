package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.ApiTest;
import dev.sva.support.Browser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Swagger UI's Authorize button, in a real headless Chromium: "Try it out" → "Execute" on the node list
 * is {@code 401} until a minted token is pasted into the bearerAuth dialog, and {@code 200} after.
 * Screenshots under {@code target/screenshots/}.
 */
class SwaggerUiAuthorizeTest extends ApiTest {

    @RegisterExtension
    static final Browser browser = new Browser();

    @Test
    void aTokenPastedIntoAuthorizeLetsTryItOutCallTheApi() {
        browser.open("http://127.0.0.1:" + port + "/swagger-ui.html");
        WebElement listNodes = expand("Nodes", "listNodes");
        browser.await(d -> listNodes.findElement(By.cssSelector("button.try-out__btn"))).click();

        assertThat(execute(listNodes)).as("without a token").isEqualTo("401");
        assertThat(responseBody(listNodes)).contains("UNAUTHENTICATED");
        browser.screenshot("listNodes-401-without-token");

        String viewer = Tokens.mint(api, "sva:viewer", null, null);
        browser.find(By.cssSelector("button.authorize")).click();
        WebElement dialog = browser.await(d -> d.findElement(By.cssSelector(".modal-ux")));
        assertThat(dialog.getText()).contains("bearerAuth");
        dialog.findElement(By.cssSelector(".auth-container input")).sendKeys(viewer);
        dialog.findElement(By.cssSelector("button.modal-btn.auth.authorize")).click();
        browser.await(d -> dialog.findElement(By.cssSelector("button.modal-btn.auth")).getText().contains("Logout"));
        browser.screenshot("authorize-dialog-with-token");
        dialog.findElement(By.cssSelector("button.btn-done")).click();
        browser.await(d -> d.findElements(By.cssSelector(".modal-ux")).isEmpty());

        listNodes.findElement(By.cssSelector("button.btn-clear")).click();
        assertThat(execute(listNodes)).as("with the viewer token").isEqualTo("200");
        // a page of the nodes (this context's database is shared with other test classes: this test's node
        // need not be on the first page)
        assertThat(responseBody(listNodes)).contains("\"items\"", "\"seq\"", "\"name\"").doesNotContain("UNAUTHENTICATED");
        browser.screenshot("listNodes-200-with-token");
    }

    /** Presses "Execute"; the status of the answer Swagger UI shows. */
    private String execute(WebElement operation) {
        browser.await(d -> operation.findElement(By.cssSelector("button.execute"))).click();
        WebElement status = browser.await(d -> {
            WebElement cell = operation.findElement(By.cssSelector(".live-responses-table .response .response-col_status"));
            return cell.getText().isBlank() ? null : cell;
        });
        browser.script("arguments[0].scrollIntoView({block: 'center'})", status);
        return status.getText().trim().split("\\s+")[0];
    }

    private String responseBody(WebElement operation) {
        return operation.findElement(By.cssSelector(".live-responses-table .response-col_description pre")).getText();
    }

    /** The operation's block, opened. */
    private WebElement expand(String tag, String operationId) {
        String id = "operations-" + tag.replace(' ', '_') + "-" + operationId;
        WebElement operation = browser.await(d -> d.findElement(By.id(id)));
        if (!operation.getAttribute("class").contains("is-open")) {
            browser.script("arguments[0].scrollIntoView({block: 'center'})", operation);
            operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        }
        browser.await(d -> operation.getAttribute("class").contains("is-open"));
        return operation;
    }
}
