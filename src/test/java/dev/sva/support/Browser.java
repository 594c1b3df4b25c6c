package dev.sva.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium for the browser tests: Debian's {@code /usr/bin/chromium} driven through
 * {@code /usr/bin/chromedriver} (override with {@code SVA_CHROMIUM} / {@code SVA_CHROMEDRIVER}).
 * Register it on the test class:
 * <pre>{@code
 * @RegisterExtension
 * static final Browser browser = new Browser();
 * ...
 * browser.open("http://127.0.0.1:" + port + "/");
 * browser.screenshot("after-import");
 * }</pre>
 * Both paths are given to Selenium explicitly, so Selenium Manager never runs and nothing is downloaded
 * (SE_OFFLINE is set as well, in case a later Selenium consults it anyway). Where the browser or the
 * driver is missing, the test class is skipped with a message, except under {@code CI=true}, where
 * it runs and fails: CI installs both ({@code .ci/run}), so a missing browser there is a broken build,
 * not a reason to pass quietly (the same rule as {@link PostgresTest}).
 * One browser per test class, started on first use, with a fresh {@code --user-data-dir} that is
 * deleted afterwards. A screenshot is written under {@code target/screenshots/} for every failed test.
 */
public final class Browser implements ExecutionCondition, AfterTestExecutionCallback, AfterAllCallback {

    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));
    private static final Path SCREENSHOTS = Paths.get("target", "screenshots");

    private final Path chromium = Paths.get(env("SVA_CHROMIUM", "/usr/bin/chromium"));
    private final Path chromedriver = Paths.get(env("SVA_CHROMEDRIVER", "/usr/bin/chromedriver"));

    private ChromeDriver driver;
    private Path profile;
    private String prefix = "browser";

    /** Why the browser cannot run here, or {@code null} when it can. */
    private String missing() {
        if (!Files.isExecutable(chromium)) {
            return chromium + " is missing (apt-get install chromium chromium-driver, or set SVA_CHROMIUM)";
        }
        if (!Files.isExecutable(chromedriver)) {
            return chromedriver + " is missing (apt-get install chromium-driver, or set SVA_CHROMEDRIVER)";
        }
        return null;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        context.getTestClass().ifPresent(c -> prefix = c.getSimpleName());
        String why = missing();
        if (why == null) {
            return ConditionEvaluationResult.enabled("Chromium at " + chromium);
        }
        if (CI) {
            return ConditionEvaluationResult.enabled("CI=true: running anyway so that the missing browser fails the build: " + why);
        }
        System.err.println("SKIPPED browser tests: " + why);
        return ConditionEvaluationResult.disabled("SKIPPED: " + why);
    }

    /** The browser, started on first use. */
    public synchronized WebDriver driver() {
        if (driver == null) {
            String why = missing();
            if (why != null) {
                throw new IllegalStateException("browser tests need Chromium: " + why);
            }
            try {
                profile = Files.createTempDirectory("sva-chromium-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Selenium Manager is only consulted when a path is unknown; both are given, and offline anyway.
            System.setProperty("SE_OFFLINE", "true");
            System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, chromedriver.toString());
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.toFile());
            options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(chromedriver.toFile())
                    .usingAnyFreePort()
                    .build();
            driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        }
        return driver;
    }

    /** Opens {@code url} in the browser. */
    public void open(String url) {
        driver().get(url);
    }

    public WebElement find(By by) {
        return driver().findElement(by);
    }

    public List<WebElement> findAll(By by) {
        return driver().findElements(by);
    }

    /** Waits (up to 90 s: the machine is shared, and CI runs the whole suite on it) until {@code condition} is non-null and not false. */
    public <T> T await(Function<WebDriver, T> condition) {
        // a live page redraws: an element found a moment ago may be gone, which is "not yet", not a failure
        return new WebDriverWait(driver(), Duration.ofSeconds(90), Duration.ofMillis(50))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition::apply);
    }

    /** Runs JavaScript in the page and returns its result (numbers come back as Long or Double). */
    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver()).executeScript(js, args);
    }

    /** The page's console messages at SEVERE level since the last call (uncaught errors, failed loads). */
    public List<String> consoleErrors() {
        return driver().manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    /** Writes {@code target/screenshots/<TestClass>-<name>.png} and returns the path. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File png = ((TakesScreenshot) driver()).getScreenshotAs(OutputType.FILE);
            Path to = SCREENSHOTS.resolve(prefix + "-" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
            Files.move(png.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent() && driver != null) {
            try {
                System.err.println("screenshot of the failed test: "
                        + screenshot("FAILED-" + context.getRequiredTestMethod().getName()).toAbsolutePath());
            } catch (RuntimeException e) {
                System.err.println("no screenshot of the failed test: " + e);
            }
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (driver != null) {
            try {
                driver.quit();
            } finally {
                driver = null;
                deleteProfile();
            }
        }
    }

    private void deleteProfile() {
        if (profile == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
        profile = null;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
