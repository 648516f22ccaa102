package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	temporalsrv "go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// DefaultPort is the frontend gRPC port of the dev server, Temporal's usual one.
	DefaultPort = 7233
	// DefaultNamespace is the namespace the dev server creates when none is given.
	DefaultNamespace = "lianxi"

	devHost        = "127.0.0.1" // the dev server never listens beyond loopback
	devClusterName = "active"
	dbFileName     = "temporal.db"
	// setupMarkerSuffix names a file that exists only while the schema of a
	// new database is being created: if it is found at start, the previous
	// process died half-way through the setup and the file is recreated.
	setupMarkerSuffix = ".setup-in-progress"
	lockFileSuffix    = ".lock"
	storeName         = "sqlite-default"
)

// sqliteConnectAttributes are the SQLite settings of the dev store. The
// server's sqlite plugin passes "mode" (and the other URI parameters) as they
// are and turns every other key into `PRAGMA key=value`, run by the
// modernc.org/sqlite driver on each new connection.
//
//   - mode=rwc: create the file when missing (the schema is set up by us).
//   - journal_mode=WAL: a commit appends to the -wal file instead of rewriting
//     pages plus a rollback journal, which is several times faster for the
//     server's many small transactions. It is persistent in the file and
//     crash-safe: after a SIGKILL the next open replays or discards the log.
//   - synchronous=NORMAL: with WAL, fsync happens at checkpoints, not at every
//     commit. Every committed transaction survives a process crash (SIGKILL,
//     panic), which is the failure `lianxi dev` sees; only an OS crash or power
//     loss can lose the last transactions, and never corrupts the file. FULL
//     would fsync every workflow task for a guarantee a dev store does not
//     need; OFF would risk corruption on power loss.
//   - busy_timeout=10000: the plugin uses one connection per process, so
//     contention only comes from outside (the sqlite3 shell inspecting the
//     file, a backup): wait up to 10 s instead of failing with SQLITE_BUSY.
//
// Measured with this package's benchmarks (2 shared cores), Update round
// trip / workflow start-to-result: WAL+NORMAL 5.2 ms / 46 ms, WAL+FULL
// 8.4 / 48, DELETE+NORMAL 9.3 / 51, SQLite's default DELETE+FULL 17.9 / 76
// (start-to-result was then capped by the history queue rate limit that
// dynamicConfig now lifts).
func sqliteConnectAttributes() map[string]string {
	return map[string]string{
		"mode":         "rwc",
		"journal_mode": "wal",
		"synchronous":  "normal",
		"busy_timeout": "10000",
	}
}

// DevServerOptions configure StartDevServer.
type DevServerOptions struct {
	DataDir   string // the SQLite file is DataDir/temporal.db (created, schema set up when new)
	Port      int    // frontend gRPC port on 127.0.0.1 (default 7233); the other services' ports: pick free ports at each start
	UIPort    int    // 0: no Web UI; needs a binary built with -tags lianxi_ui (see WebUIBuiltIn)
	Namespace string // e.g. "lianxi" (the default); created if missing, with SearchAttributes(); on a reused file, missing attributes are added
	// Logger receives the server's logs (nil: slog.Default()), filtered to
	// LogLevel and above.
	Logger *slog.Logger
	// LogLevel is the least level of server logs passed on; nil means WARN,
	// since the server logs a lot at INFO about its own lifecycle.
	LogLevel slog.Leveler
	// DynamicConfig holds extra dynamic config overrides (key → value) for
	// tuning; they win over the defaults set here.
	DynamicConfig map[string]any
	// sqlite replaces SQLite settings of sqliteConnectAttributes; the
	// benchmarks compare them with SQLite's own defaults.
	sqlite map[string]string
}

// DevServer is a running embedded Temporal server (frontend, history,
// matching and worker services in this process) backed by one SQLite file.
type DevServer struct {
	srv       temporalsrv.Server
	hostPort  string
	namespace string
	ui        *uiServer
	lock      *os.File
	logger    serverLogger
	stopOnce  sync.Once
	stopErr   error
}

// StartDevServer starts the embedded server and returns once its frontend
// answers and the namespace has every search attribute. ctx bounds the wait
// for the frontend and the namespace setup.
//
// Within one process the database stays open after Stop (the server's sqlite
// plugin shares one connection per file for the process lifetime), so a
// restart in the same process reuses it; a new process simply reopens the
// file.
func StartDevServer(ctx context.Context, opts DevServerOptions) (s *DevServer, err error) {
	if opts.DataDir == "" {
		return nil, errors.New("dev server: DataDir is required")
	}
	if opts.Port == 0 {
		opts.Port = DefaultPort
	}
	if opts.Port < 0 || opts.Port > 65535 || opts.UIPort < 0 || opts.UIPort > 65535 {
		return nil, fmt.Errorf("dev server: invalid port (frontend %d, UI %d)", opts.Port, opts.UIPort)
	}
	if opts.UIPort != 0 && !WebUIBuiltIn() {
		return nil, errors.New("dev server: UIPort is set but this binary was built without the Temporal Web UI (rebuild with -tags lianxi_ui)")
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	dir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("dev server: data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("dev server: create data dir: %w", err)
	}
	dbPath := filepath.Join(dir, dbFileName)

	// One server per file: two would both own history shard 1 and keep
	// stealing it from each other. The kernel drops the lock when the process
	// dies, so a SIGKILL leaves nothing stale behind.
	lock, err := lockFile(dbPath + lockFileSuffix)
	if err != nil {
		return nil, fmt.Errorf("dev server: %s is in use by another dev server: %w", dir, err)
	}
	defer func() {
		if err != nil {
			unlockFile(lock)
		}
	}()

	// Checked here, so that a busy port fails fast with a clear error instead
	// of surfacing as a fatal log deep inside the server's start-up.
	hostPort := net.JoinHostPort(devHost, strconv.Itoa(opts.Port))
	if err := checkPortFree(hostPort); err != nil {
		return nil, fmt.Errorf("dev server: frontend port %d on %s is not available: %w", opts.Port, devHost, err)
	}
	if opts.UIPort != 0 {
		if err := checkPortFree(net.JoinHostPort(devHost, strconv.Itoa(opts.UIPort))); err != nil {
			return nil, fmt.Errorf("dev server: UI port %d on %s is not available: %w", opts.UIPort, devHost, err)
		}
	}
	// History, matching and worker only talk to each other, and the
	// frontend's HTTP API (which Nexus needs) is not what clients dial: any
	// free ports, chosen again at each start so a restart never trips over
	// old ones.
	ports, err := freePorts(4)
	if err != nil {
		return nil, fmt.Errorf("dev server: pick internal ports: %w", err)
	}

	sqlCfg, err := prepareStore(dbPath, opts.Namespace, opts.sqlite)
	if err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}

	logger := newServerLogger(withMinLevel(opts.Logger, opts.LogLevel))
	cfg := serverConfig(sqlCfg, opts.Port, ports)
	srv, err := newServer(cfg, logger, dynamicConfig(opts.DynamicConfig))
	if err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}
	if err := startServer(srv, logger); err != nil {
		return nil, fmt.Errorf("dev server: start: %w", err)
	}
	s = &DevServer{srv: srv, hostPort: hostPort, namespace: opts.Namespace, lock: lock, logger: logger}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()

	// The namespace was created in the store before the start; on a file from
	// an older Lianxi it may lack attributes added since, which only the
	// running server can add.
	c, err := Dial(ctx, ClientOptions{HostPort: hostPort, Namespace: opts.Namespace, Logger: opts.Logger, Identity: "lianxi-dev-server"})
	if err != nil {
		return nil, fmt.Errorf("dev server: frontend did not come up: %w", err)
	}
	defer c.Close()
	if err := EnsureNamespace(ctx, c, opts.Namespace); err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}

	if opts.UIPort != 0 {
		ui, err := startUI(ctx, hostPort, opts.UIPort, opts.Namespace, withMinLevel(opts.Logger, opts.LogLevel))
		if err != nil {
			return nil, fmt.Errorf("dev server: web UI: %w", err)
		}
		s.ui = ui
	}
	return s, nil
}

// FrontendHostPort is the address SDK clients dial, e.g. "127.0.0.1:7233".
func (s *DevServer) FrontendHostPort() string { return s.hostPort }

// Namespace is the namespace the dev server created or checked.
func (s *DevServer) Namespace() string { return s.namespace }

// UIURL is the Web UI's address, or "" when it is not served.
func (s *DevServer) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Stop stops the UI and all server services and releases the data dir.
// It is safe to call more than once; later calls return the first result.
//
// The server does not release everything it started: about a hundred
// goroutines (internal gRPC connections, caches) stay behind per start/stop
// cycle. That is harmless for `lianxi dev`, which stops on exit, and for
// tests, but a long-lived process should not restart the server in a loop.
func (s *DevServer) Stop() error {
	s.stopOnce.Do(func() {
		s.logger.quiet.Store(true)
		if s.ui != nil {
			s.ui.stop()
		}
		s.stopErr = callRecovering(s.srv.Stop)
		unlockFile(s.lock)
	})
	return s.stopErr
}

// openedDBs are the database files this process has opened. The sqlite plugin
// never closes a connection (see StartDevServer), so for these the file on
// disk must not be removed or replaced under the open connection.
var openedDBs sync.Map // path → struct{}

// prepareStore creates the schema when the database is new (or its creation
// was interrupted) and the namespace when it is missing.
func prepareStore(dbPath, namespace string, sqlite map[string]string) (*config.SQL, error) {
	cfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      dbPath,
		ConnectAttributes: sqliteConnectAttributes(),
	}
	maps.Copy(cfg.ConnectAttributes, sqlite)
	marker := dbPath + setupMarkerSuffix
	_, openedHere := openedDBs.Load(dbPath)
	exists, err := fileExists(dbPath)
	if err != nil {
		return nil, err
	}
	interrupted, err := fileExists(marker)
	if err != nil {
		return nil, err
	}
	switch {
	case openedHere && !exists:
		return nil, fmt.Errorf("%s was removed while this process still has it open; restart the process", dbPath)
	case openedHere && interrupted:
		return nil, fmt.Errorf("schema setup of %s failed earlier in this process; restart the process", dbPath)
	case exists && interrupted:
		exists = false // half a schema and, by construction, no data: start over
	}
	if !exists {
		if err := setupSchema(cfg, marker); err != nil {
			return nil, err
		}
	}
	openedDBs.Store(dbPath, struct{}{})

	ns, err := sqliteschema.NewNamespaceConfig(devClusterName, namespace, false, SearchAttributes())
	if err != nil {
		return nil, fmt.Errorf("namespace %q: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(NamespaceRetention)
	// A no-op when the namespace exists; its missing attributes are added
	// through the running server instead.
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		return nil, fmt.Errorf("create namespace %q: %w", namespace, err)
	}
	return cfg, nil
}

func setupSchema(cfg *config.SQL, marker string) error {
	dbPath := cfg.DatabaseName
	if err := writeFileSync(marker); err != nil {
		return fmt.Errorf("schema setup marker: %w", err)
	}
	// Leftovers of a previous database (a removed temporal.db whose -wal
	// survived, or the half-made one) must go: SQLite would otherwise replay
	// a stale write-ahead log into the new file.
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", dbPath + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", p, err)
		}
	}
	openedDBs.Store(dbPath, struct{}{})
	if err := sqliteschema.SetupSchema(cfg); err != nil {
		return fmt.Errorf("set up schema in %s: %w", dbPath, err)
	}
	if err := os.Remove(marker); err != nil {
		return fmt.Errorf("schema setup marker: %w", err)
	}
	return syncDir(filepath.Dir(dbPath))
}

// serverConfig builds the static config; internalPorts are the history,
// matching, worker and frontend HTTP ports.
func serverConfig(sqlCfg *config.SQL, frontendPort int, internalPorts []int) *config.Config {
	frontend := net.JoinHostPort(devHost, strconv.Itoa(frontendPort))
	frontendHTTP := net.JoinHostPort(devHost, strconv.Itoa(internalPorts[3]))
	service := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: devHost}}
	}
	cfg := &config.Config{}
	cfg.Global.Membership = config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: devHost}
	cfg.Persistence = config.Persistence{
		DefaultStore:    storeName,
		VisibilityStore: storeName,
		// Fixed forever for a given file: the shard count is persisted.
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{storeName: {SQL: sqlCfg}},
	}
	cfg.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        devClusterName,
		CurrentClusterName:       devClusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			devClusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend, HTTPAddress: frontendHTTP},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	frontendSvc := service(frontendPort)
	// Without the HTTP API the server turns Nexus off (with a warning at
	// every start); the dev server should offer what a real cluster does.
	frontendSvc.RPC.HTTPPort = internalPorts[3]
	cfg.Services = map[string]config.Service{
		string(primitives.FrontendService): frontendSvc,
		string(primitives.HistoryService):  service(internalPorts[0]),
		string(primitives.MatchingService): service(internalPorts[1]),
		string(primitives.WorkerService):   service(internalPorts[2]),
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's own worker service (system workflows) dials this.
	cfg.PublicClient.HostPort = frontend
	return cfg
}

// dynamicConfig returns the dev server's dynamic config with the caller's
// overrides applied last.
func dynamicConfig(overrides map[string]any) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// The app drives meetings with Updates (and update-with-start).
		// Update-with-start (ExecuteMultiOperation) has no switch any more in
		// server v1.30: it is always on.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): true,
		// One partition per task queue: partitions only pay off with several
		// matching hosts; on one machine they split pollers and tasks four
		// ways and more than halve throughput (measured).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// SQLite, not the server's rate limiters, should be the bottleneck.
		dynamicconfig.FrontendPersistenceMaxQPS.Key():        20000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():         20000,
		dynamicconfig.MatchingPersistenceMaxQPS.Key():        20000,
		dynamicconfig.WorkerPersistenceMaxQPS.Key():          5000,
		dynamicconfig.VisibilityPersistenceMaxReadQPS.Key():  20000,
		dynamicconfig.VisibilityPersistenceMaxWriteQPS.Key(): 20000,
		// The Web UI and the app's meeting lists are visibility queries; the
		// default of 10/s throttles a single busy page.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 200,
		// The history queues' read rate limits are per shard (20/s), sized
		// for clusters with hundreds of shards. With one shard, 20 transfer
		// reads a second cap sequential workflows at one per ~50 ms:
		// measured 45 ms → 21 ms per start-to-result with these raised.
		dynamicconfig.TransferProcessorMaxPollRPS.Key():   1000,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():      1000,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key(): 1000,
		dynamicconfig.OutboundProcessorMaxPollRPS.Key():   1000,
		// The default 128k cached workflows is sized for production hosts.
		// Each cached workflow's state held about 30 KB here; a workflow
		// not cached is read from SQLite when it next moves. 512 keeps the
		// ones in use (a few cycles and their tasks) and bounds the memory
		// when a year's tasks are open (BenchmarkDevProcess).
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 512,
		// Not set: system.forceSearchAttributesCacheRefreshOnRead. With SQL
		// visibility custom attributes are namespace aliases, served by the
		// namespace registry (refreshed every 2 s), not by the cache this
		// flag bypasses; it would only add a DB read to every workflow start.
	}
	for k, v := range overrides {
		dc[dynamicconfig.MakeKey(k)] = v
	}
	return dc
}

func newServer(cfg *config.Config, logger serverLogger, dc dynamicconfig.StaticClient) (srv temporalsrv.Server, err error) {
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("claim mapper: %w", err)
	}
	self := func(svc primitives.ServiceName) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(devHost, strconv.Itoa(cfg.Services[string(svc)].RPC.GRPCPort)))
	}
	err = callRecovering(func() error {
		var nerr error
		srv, nerr = temporalsrv.NewServer(
			temporalsrv.WithConfig(cfg),
			temporalsrv.ForServices(temporalsrv.DefaultServices),
			// All services live in this process: static hosts skip ringpop
			// membership (no gossip ports, no join wait, nothing stale in the
			// cluster_membership table after a SIGKILL).
			temporalsrv.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
				primitives.FrontendService: self(primitives.FrontendService),
				primitives.HistoryService:  self(primitives.HistoryService),
				primitives.MatchingService: self(primitives.MatchingService),
				primitives.WorkerService:   self(primitives.WorkerService),
			}),
			temporalsrv.WithLogger(logger),
			temporalsrv.WithAuthorizer(authorizer),
			temporalsrv.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
			temporalsrv.WithDynamicConfigClient(dc),
		)
		return nerr
	})
	if err != nil {
		return nil, fmt.Errorf("create server: %w", err)
	}
	return srv, nil
}

// startServer starts srv; if start-up fails (including through the logger's
// Fatal, which panics), whatever did start is stopped again.
func startServer(srv temporalsrv.Server, logger serverLogger) error {
	err := callRecovering(srv.Start)
	if err != nil {
		logger.quiet.Store(true)
		_ = callRecovering(srv.Stop)
	}
	return err
}

// callRecovering turns a serverFatal panic (see serverLogger.Fatal) raised
// in this goroutine into an error. Other panics are real bugs: re-raised.
func callRecovering(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if sf, ok := r.(serverFatal); ok {
				err = sf
				return
			}
			panic(r)
		}
	}()
	return f()
}

func checkPortFree(hostPort string) error {
	l, err := net.Listen("tcp", hostPort)
	if err != nil {
		return err
	}
	return l.Close()
}

// freePorts returns n distinct free ports on devHost. All listeners are held
// until the end so the kernel cannot hand out the same port twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(devHost, "0"))
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func fileExists(p string) (bool, error) {
	_, err := os.Stat(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, err
	}
}

// writeFileSync creates an empty file and makes its existence durable, so
// that the setup marker is on disk before the first schema statement.
func writeFileSync(p string) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(p))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	// Some file systems cannot fsync a directory; that is no reason to fail.
	_ = d.Sync()
	return nil
}
