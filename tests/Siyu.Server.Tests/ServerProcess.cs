using System.Diagnostics;
using System.Text;

namespace Siyu.Server.Tests;

/// <summary>A real Siyu server process on loopback (for kill -9 tests and the browser test).</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, string baseUrl, int siloPort)
    {
        _process = process;
        BaseUrl = baseUrl;
        SiloPort = siloPort;
    }

    public string BaseUrl { get; }
    /// <summary>The Orleans silo port (how cluster views name this node).</summary>
    public int SiloPort { get; }
    public int ProcessId => _process.Id;
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public const string ApiKey = "sk_test_key_0123456789";
    public const string AdminPassword = "test-admin-密码";

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The server process on a PostgreSQL database (connection string) instead of its SQLite file.</summary>
    public static Task<ServerProcess> StartOnPostgresAsync(string dataDirectory, string postgres, bool demo = false, params string[] extraArgs) =>
        StartAsync(dataDirectory, demo, ["--Siyu:DatabaseProvider=postgres", $"--Siyu:Database={postgres}", .. extraArgs]);

    public static async Task<ServerProcess> StartAsync(string dataDirectory, bool demo = false, params string[] extraArgs)
    {
        var port = FreePort();
        var siloPort = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServerDll());
        foreach (var arg in (string[])
        [
            $"--urls={baseUrl}",
            $"--Siyu:DataDirectory={dataDirectory}",
            $"--Siyu:AdminPassword={AdminPassword}",
            $"--Siyu:DemoApiKey={ApiKey}",
            $"--Siyu:Demo={(demo ? "true" : "false")}",
            $"--Siyu:SiloPort={siloPort}",
            $"--Siyu:GatewayPort={FreePort()}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        Directory.CreateDirectory(dataDirectory);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, baseUrl, siloPort);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitHealthyAsync();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("Server exited during start:\n" + Output);
            }
            try
            {
                if ((await client.GetAsync(BaseUrl + "/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("Server did not become healthy:\n" + Output);
    }

    public HttpClient ApiClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>A client signed in to the console as the first-run admin of the demo tenant (cookie auth).</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30),
        };
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = AdminPassword, ["returnUrl"] = "/",
        }));
        if (response.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Login failed: {response.StatusCode}");
        }
        return client;
    }

    /// <summary>The demo tenant's built-in WeCom simulator, once demo mode has connected the tenant (its address is in the WeCom settings).</summary>
    public static async Task<HttpClient> SimulatorClientAsync(HttpClient admin)
    {
        var settings = await Json.EventuallyAsync(() => admin.GetJsonOrNull("/api/v1/wecom/settings"), s => s["api_base_address"] is not null);
        return new HttpClient { BaseAddress = new Uri(settings["api_base_address"]!.GetValue<string>()) };
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no graceful shutdown, no final snapshot.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>The server's own build output (same configuration as this test assembly).</summary>
    public static string ServerDll()
    {
        var testBin = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory); // .../tests/Siyu.Server.Tests/bin/<Config>/net10.0
        var configuration = new DirectoryInfo(testBin).Parent!.Name;
        var dir = new DirectoryInfo(testBin);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
        {
            dir = dir.Parent;
        }
        var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repo root not found"), "src", "Siyu.Server", "bin", configuration, "net10.0", "Siyu.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/Siyu.Server first", dll);
    }
}
