package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The docs page as a person uses it, in a real headless Chromium (Debian's chromium and
 * chromedriver) against {@code ./hydra local}: Swagger UI renders the five operations, the demo key
 * goes into Authorize, and "Try it out" on Voice Status answers 200 from the local server. Nothing
 * is skipped: without chromium the test fails and says how to install it. Screenshot:
 * {@code infra/voice-local/target/api-docs-page.png}.
 */
class ApiDocsBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String SCREENSHOT = "infra/voice-local/target/api-docs-page.png";
    private static final List<String> OPERATIONS =
            List.of("voice_status", "setup_voice", "teardown_voice", "list_active_calls", "end_call", "voice_webhook");

    @Test
    void docsPageRendersEveryOperationAndTryItOutCallsVoiceStatusWithTheDemoKey() throws Exception {
        assertTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the docs page's browser test needs Debian's chromium and chromedriver at " + CHROMIUM + " and "
                        + CHROMEDRIVER
                        + ": apt-get install -y chromium chromium-driver (.ci/run installs them when missing)");
        Path screenshot = ProjectPaths.root().resolve(SCREENSHOT);
        Files.deleteIfExists(screenshot);
        Path profile = Files.createTempDirectory("hydra-docs-chromium");
        try (HydraLocalProcess hydra = HydraLocalProcess.start("hydra-local-docs.log")) {
            WebDriver browser = startBrowser(profile);
            try {
                useDocsPage(browser, hydra);
            } finally {
                // A failure's picture helps as much as a success's.
                if (!Files.exists(screenshot)) {
                    saveScreenshot(browser, screenshot, hydra.apiKey());
                }
                browser.quit();
            }
        } finally {
            deleteTree(profile);
        }
        System.out.println("docs page screenshot: " + screenshot);
    }

    private static void useDocsPage(WebDriver browser, HydraLocalProcess hydra) throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get(hydra.baseUrl() + "/docs");

        // The six operations, rendered from /openapi.json.
        wait.until(d -> d.findElements(By.cssSelector(".opblock")).size() >= OPERATIONS.size());
        List<String> rendered = browser.findElements(By.cssSelector(".opblock")).stream()
                .map(e -> e.getAttribute("id"))
                .toList();
        assertEquals(
                OPERATIONS.stream()
                        .map(op -> "operations-default-" + op)
                        .sorted()
                        .toList(),
                rendered.stream().sorted().toList(),
                "operations on the page");

        // Authorize: the bearer scheme, with the demo key from the READY line.
        browser.findElement(By.cssSelector("button.authorize")).click();
        WebElement modal = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".modal-ux")));
        List<WebElement> schemes = modal.findElements(By.cssSelector(".auth-container"));
        assertEquals(2, schemes.size(), () -> "Authorize offers Bearer and X-Api-Key: " + modal.getText());
        WebElement bearer = schemes.stream()
                .filter(s -> s.getText().contains("bearer"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bearer scheme in Authorize: " + modal.getText()));
        assertTrue(schemes.stream().anyMatch(s -> s.getText().contains("X-Api-Key")), modal::getText);
        bearer.findElement(By.cssSelector("input")).sendKeys(hydra.apiKey());
        bearer.findElement(By.cssSelector("button.authorize")).click();
        // The modal re-renders: the bearer scheme now offers Logout, the other still Authorize.
        wait.until(d ->
                d.findElements(By.cssSelector(".modal-ux .auth-container button[aria-label='Remove authorization']"))
                                .size()
                        == 1);
        browser.findElement(By.cssSelector(".modal-ux button.close-modal")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".modal-ux")));

        // Try it out on Voice Status, for the demo instance.
        WebElement status = browser.findElement(By.id("operations-default-voice_status"));
        status.findElement(By.cssSelector(".opblock-summary")).click();
        wait.until(d -> status.findElement(By.cssSelector("button.try-out__btn")))
                .click();
        WebElement instance =
                wait.until(d -> status.findElement(By.cssSelector("tr[data-param-name='instance_id'] input")));
        instance.clear();
        instance.sendKeys(hydra.instanceId());
        status.findElement(By.cssSelector("button.execute")).click();

        // The first call starts the status function's JVM: give it time on a busy machine.
        WebElement live = new WebDriverWait(browser, Duration.ofSeconds(180))
                .until(d -> status.findElement(
                        By.cssSelector(".live-responses-table tbody tr.response .response-col_status")));
        assertEquals(
                "200",
                live.getText().strip(),
                () -> "Voice Status through the page: " + status.getText().replace(hydra.apiKey(), "hk_…")
                        + "\n./hydra local said:\n" + hydra.log());
        String requestUrl =
                status.findElement(By.cssSelector(".request-url pre")).getText().strip();
        assertEquals(hydra.baseUrl() + "/v1/instances/" + hydra.instanceId() + "/channels/voice", requestUrl);
        String curl = status.findElement(By.cssSelector(".curl-command")).getText();
        assertTrue(
                curl.contains("Authorization: Bearer "),
                () -> "the call carried the key: " + curl.replace(hydra.apiKey(), "hk_…"));
        JsonNode body = Json.MAPPER.readTree(status.findElement(By.cssSelector(
                        ".live-responses-table tbody tr.response .response-col_description .highlight-code pre"))
                .getText());
        assertEquals("not_configured", body.path("status").asText(), body::toString);
        assertEquals(0, body.path("active_calls").asInt(-1), body::toString);

        // Nothing came from anywhere but this server: no CDN, no outside validator.
        @SuppressWarnings("unchecked")
        List<String> loaded = (List<String>) ((JavascriptExecutor) browser)
                .executeScript("return performance.getEntriesByType('resource').map(e => e.name);");
        assertTrue(
                loaded.stream().anyMatch(u -> u.endsWith("/docs/swagger-ui/swagger-ui-bundle.js")), loaded::toString);
        assertTrue(loaded.stream().anyMatch(u -> u.endsWith("/openapi.json")), loaded::toString);
        for (String url : loaded) {
            assertTrue(url.startsWith(hydra.baseUrl() + "/"), () -> "loaded from elsewhere: " + url);
        }

        // The whole page in one picture: the five operations, Voice Status open on its 200.
        long height =
                (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight;");
        browser.manage().window().setSize(new Dimension(1280, (int) Math.min(height + 120, 12_000)));
        saveScreenshot(browser, ProjectPaths.root().resolve(SCREENSHOT), hydra.apiKey());
    }

    private static WebDriver startBrowser(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--window-size=1280,1600");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .withLogFile(ProjectPaths.root()
                        .resolve("infra/voice-local/target/chromedriver.log")
                        .toFile())
                .build();
        return new ChromeDriver(service, options);
    }

    /** The page as it is, but for the demo key, which no picture keeps (the curl line shows it). */
    private static void saveScreenshot(WebDriver browser, Path to, String apiKey) {
        try {
            ((JavascriptExecutor) browser).executeScript("""
                    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                    for (let n; (n = walk.nextNode()); ) {
                      if (n.nodeValue.includes(arguments[0])) n.nodeValue = n.nodeValue.replaceAll(arguments[0], 'hk_…');
                    }""", apiKey);
            File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
            Files.createDirectories(to.getParent());
            Files.move(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            System.err.println("no screenshot: " + e);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
