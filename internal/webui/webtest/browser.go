// Package webtest helps test the pages of internal/webui: in-memory fakes
// of the services the pages call, a server mounted like the real router, and
// a headless Chromium driven through chromedp to sign in, read what a person
// would see and save screenshots.
//
// It is imported only by tests. To cover a new page in the browser, start
// a server with NewServer, a browser with NewBrowser, Login, Open the page,
// check it with Text and Count, and keep a Screenshot.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// Timeout bounds one browser step. The machine is shared, so it is generous;
// a step that needs it is broken, not slow.
const Timeout = 30 * time.Second

// NewServer starts a test server with routes mounted the way the product's
// router mounts them: a request id, Go's cross-origin protection, then the
// given middleware (the sign-in middleware) around the routes.
func NewServer(t testing.TB, mount func(chi.Router), mw ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(http.NewCrossOriginProtection().Handler)
	for _, m := range mw {
		r.Use(m)
	}
	mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// NewBrowser starts a headless Chromium with a fresh profile and returns a
// context for chromedp actions; the browser ends with the test. A missing
// browser fails the test: a skipped browser test looks like a passing one.
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("browser tests need Chromium at %s (%v): run `apt-get install chromium`", ChromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		// A Chinese browser, as the city's staff have; tests choose English with ?lang=en.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	// Without a Chinese font the pages still pass, but screenshots show
	// boxes where the characters should be; say so rather than fail.
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err == nil && len(bytes.TrimSpace(out)) == 0 {
		t.Log("no Chinese font installed: screenshots will show boxes; run `apt-get install fonts-noto-cjk`")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser and ties it to this context, which
	// has no deadline; each later step gets its own (see Step).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", ChromiumPath, err)
	}
	return ctx
}

// Step runs browser actions with the step timeout and fails the test on
// an error.
func Step(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Value runs one browser action that returns a value, with the step
// timeout.
func Value[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// Open loads a page and waits for its main content.
func Open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	Step(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main")))
}

// Login signs in through the sign-in form, as a person would, and waits for
// the page it leads to.
func Login(t testing.TB, ctx context.Context, baseURL, username, password string) {
	t.Helper()
	Open(t, ctx, baseURL+"/login")
	Step(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	if status := Follow(t, ctx, "form[action='/login'] button[type=submit]"); status != http.StatusOK {
		t.Fatalf("sign-in as %s led to status %d", username, status)
	}
	if loc := Value(t, ctx, "location", chromedp.Location()); strings.Contains(loc, "/login") {
		t.Fatalf("still on the sign-in page after signing in as %s: %s", username, Text(t, ctx, "main"))
	}
}

// Follow clicks an element that leads to another page (a link, a submit
// button), waits for that page and returns its HTTP status.
func Follow(t testing.TB, ctx context.Context, css string) int {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("follow %s: %v", css, err)
	}
	return int(resp.Status)
}

// Text returns the visible text of the first element a CSS selector
// matches.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	return Value(t, ctx, "text of "+css, chromedp.Text(chromedp.CSS(css)))
}

// Texts returns the visible text of every element a CSS selector matches,
// with runs of white space collapsed; no match is an empty list, not a
// wait.
func Texts(t testing.TB, ctx context.Context, css string) []string {
	t.Helper()
	sel, _ := json.Marshal(css)
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%s), e => e.innerText.replace(/\s+/g, ' ').trim())`, sel)
	return Value(t, ctx, "texts of "+css, chromedp.Evaluate[[]string](js))
}

// Count returns how many elements a CSS selector matches.
func Count(t testing.TB, ctx context.Context, css string) int {
	t.Helper()
	return len(Texts(t, ctx, css))
}

// Phone and Desktop set the viewport, so one test can look at a page as it
// is on a phone and on a desk.
func Phone(t testing.TB, ctx context.Context) {
	t.Helper()
	Step(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
}

// Overflows reports whether the page is wider than the window, the usual
// way a layout breaks on a phone (a long word, a fixed width). Tables that
// scroll inside their own box do not count.
func Overflows(t testing.TB, ctx context.Context) bool {
	t.Helper()
	return Value(t, ctx, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
}

// Desktop sets a desktop viewport.
func Desktop(t testing.TB, ctx context.Context) {
	t.Helper()
	Step(t, ctx, "desktop viewport", chromedp.EmulateViewport(1280, 900))
}

// ScreenshotDir is where screenshots go: $LIANXI_SCREENSHOTS when set (to
// keep them after the run), else a directory removed with the test.
func ScreenshotDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LIANXI_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves a PNG of the whole page as dir/name.png and returns its
// path.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	png := Value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
	return path
}
