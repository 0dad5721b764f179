using System.Diagnostics;
using System.Globalization;
using Siyu.Bench.Load;

namespace Siyu.Bench;

/// <summary>
/// `load`: the mixed-workload load and soak test. Against <c>--url</c> + <c>--api-key</c>, or a server it starts itself
/// as a separate process (so its RSS is the server's alone) in demo mode on a fresh temporary data directory.
/// Exit code 1 when any 5xx, transport failure or lost acknowledged event occurred.
/// </summary>
public static class LoadBench
{
    private const string Key = "sk_bench_load_0000000000";
    private const string Password = "bench-load-密码";

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = args.Contains("--quick") ? 1 : Number(args, "--minutes", 10);
        var seconds = Number(args, "--seconds", minutes * 60);
        var url = Text(args, "--url");
        var outPath = Text(args, "--out") is { } o ? FromRepositoryRoot(o) : null;
        var keep = args.Contains("--keep-data");
        await using var server = url is null ? await ServerChild.StartAsync() : null;
        var options = new LoadOptions
        {
            BaseUrl = url ?? server!.BaseUrl,
            ApiKey = Text(args, "--api-key") ?? (server is null ? throw new ArgumentException("--url needs --api-key") : Key),
            AdminPassword = Text(args, "--admin-password") ?? (server is null ? null : Password),
            Tenant = Text(args, "--tenant") ?? "demo",
            AdminUser = Text(args, "--admin-user") ?? "admin",
            ServerPid = server?.Pid,
            DataDirectory = server?.DataDirectory ?? Text(args, "--data-dir"),
            Duration = TimeSpan.FromSeconds(seconds),
            Max = args.Contains("--max"),
            EventsPerSecond = Number(args, "--events-per-second", 2000),
            Batch = (int)Number(args, "--batch", args.Contains("--max") ? 500 : 100),
            IngestConcurrency = (int)Number(args, "--concurrency", 4),
            AudiencesPerSecond = Number(args, "--audiences-per-second", 4),
            ProfilesPerSecond = Number(args, "--profiles-per-second", 20),
            SearchesPerSecond = Number(args, "--searches-per-second", 5),
            PagesPerSecond = Number(args, "--pages-per-second", 1),
            Prefill = (int)Number(args, "--prefill", 0),
            Verify = !args.Contains("--no-verify"),
        };
        Console.WriteLine($"Siyu load test — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
            (server is null ? $"server {url}" : $"server started by the bench: pid {server.Pid}, {server.BaseUrl}, data in {server.DataDirectory}, its output in {server.LogFile}"));

        LoadReport report;
        using var serverGone = new CancellationTokenSource();
        _ = server?.WatchAsync(serverGone);
        using (var generator = new LoadGenerator(options))
        {
            try
            {
                report = await generator.RunAsync(serverGone.Token);
                if (server?.ExitCode is { } code)
                {
                    report = report with { Failures = [.. report.Failures, $"the server process exited with code {code} during the run; its last output:\n{server.Output}"] };
                }
            }
            catch when (server is not null)
            {
                Console.Error.WriteLine("Server output (last lines):\n" + server.Output);
                throw;
            }
        }
        var markdown = report.ToMarkdown();
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (outPath is not null)
        {
            var md = Path.ChangeExtension(outPath, ".md");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(md))!);
            await File.WriteAllTextAsync(md, markdown);
            await File.WriteAllTextAsync(Path.ChangeExtension(outPath, ".json"), report.ToJson());
            Console.WriteLine($"written: {md} and {Path.ChangeExtension(outPath, ".json")}");
        }
        if (server is not null)
        {
            server.Keep = keep;
        }
        return report.Passed ? 0 : 1;
    }

    /// <summary>
    /// A relative <c>--out</c> is taken from the repository root (the folder holding Siyu.slnx above the working directory),
    /// so <c>--out bench/results/x.md</c> lands in bench/results whether the bench was started from the root or by
    /// <c>dotnet run</c> from its project folder.
    /// </summary>
    private static string FromRepositoryRoot(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Siyu.slnx")))
            {
                return Path.Combine(dir.FullName, path);
            }
        }
        return Path.GetFullPath(path);
    }

    private static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Number(string[] args, string name, double fallback) =>
        Text(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The server as its own process: <c>dotnet Siyu.Server.dll</c> from this bench's output, demo tenant, fresh data directory.</summary>
    private sealed class ServerChild : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _tail = new();

        private ServerChild(Process process, string baseUrl, string data)
        {
            _process = process;
            BaseUrl = baseUrl;
            DataDirectory = data;
        }

        public string BaseUrl { get; }
        public string DataDirectory { get; }
        public int Pid => _process.Id;
        public bool Keep { get; set; }
        public string Output { get { lock (_tail) { return string.Join('\n', _tail); } } }
        public int? ExitCode { get; private set; }

        /// <summary>When the server dies mid-run, say so at once and end the run (instead of minutes of refused connections).</summary>
        public async Task WatchAsync(CancellationTokenSource gone)
        {
            await _process.WaitForExitAsync();
            if (_disposing)
            {
                return;
            }
            ExitCode = _process.ExitCode;
            Console.Error.WriteLine($"The server process {_process.Id} exited with code {ExitCode}. Last output:\n{Output}");
            await gone.CancelAsync();
        }

        private volatile bool _disposing;

        public static async Task<ServerChild> StartAsync()
        {
            var data = Path.Combine(Path.GetTempPath(), "siyu-bench", "load-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(data);
            var baseUrl = $"http://127.0.0.1:{FreePort()}";
            var info = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = data, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Siyu.Server.dll"));
            foreach (var arg in (string[])[
                $"--urls={baseUrl}", $"--Siyu:DataDirectory={data}", $"--Siyu:AdminPassword={Password}", $"--Siyu:DemoApiKey={Key}", "--Siyu:Demo=true",
                $"--Siyu:SiloPort={FreePort()}", $"--Siyu:GatewayPort={FreePort()}", "--Logging:LogLevel:Default=Warning"])
            {
                info.ArgumentList.Add(arg);
            }
            // No ASPNETCORE_ENVIRONMENT: the production hosting defaults, with the demo start's generated keys.
            info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
            info.Environment.Remove("DOTNET_ENVIRONMENT");
            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
            var child = new ServerChild(process, baseUrl, data);
            process.OutputDataReceived += (_, e) => child.Append(e.Data);
            process.ErrorDataReceived += (_, e) => child.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            for (var i = 0; i < 300; i++)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("The server exited during start:\n" + child.Output);
                }
                try
                {
                    if ((await client.GetAsync(baseUrl + "/health/ready")).IsSuccessStatusCode)
                    {
                        return child;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(200);
            }
            throw new TimeoutException("The server did not become ready:\n" + child.Output);
        }

        /// <summary>The server's whole output (warnings and errors: the log level is Warning), kept after the data directory is deleted.</summary>
        public string LogFile => DataDirectory + ".server.log";

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_tail)
            {
                File.AppendAllText(LogFile, line + "\n");
                _tail.Enqueue(line);
                if (_tail.Count > 200)
                {
                    _tail.Dequeue();
                }
            }
        }

        private static int FreePort()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _disposing = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            if (!Keep)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
            else
            {
                Console.WriteLine($"data kept in {DataDirectory}");
            }
        }
    }
}
