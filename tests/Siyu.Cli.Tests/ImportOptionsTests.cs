using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

public sealed class ImportOptionsTests
{
    private static ImportOptions? Parse(string args, Dictionary<string, string>? environment = null) =>
        ImportOptions.Parse(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), name => environment?.GetValueOrDefault(name), out _);

    private static string Error(string args, Dictionary<string, string>? environment = null)
    {
        Assert.Null(ImportOptions.Parse(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), name => environment?.GetValueOrDefault(name), out var error));
        return error!;
    }

    [Fact]
    public void Defaults()
    {
        var options = Parse("orders.csv --tenant demo --api-key sk_1")!;

        Assert.Equal("orders.csv", options.File);
        Assert.Equal("demo", options.Tenant);
        Assert.Equal(new Uri("http://127.0.0.1:5080/"), options.Server);
        Assert.Equal("sk_1", options.ApiKey);
        Assert.Equal(500, options.BatchSize);
        Assert.False(options.DryRun);
        Assert.Null(options.ErrorsOut);
    }

    [Fact]
    public void All_options_in_both_spellings()
    {
        var options = Parse("--tenant=acme --server https://siyu.example.com/base --batch=1000 --dry-run --errors-out bad.csv orders.csv")!;

        Assert.Equal(new Uri("https://siyu.example.com/base/"), options.Server);
        Assert.Equal(1000, options.BatchSize);
        Assert.True(options.DryRun);
        Assert.Equal("bad.csv", options.ErrorsOut);
        Assert.Equal("orders.csv", options.File);
    }

    [Fact]
    public void Key_and_server_come_from_the_environment_unless_given()
    {
        var environment = new Dictionary<string, string> { ["SIYU_API_KEY"] = "sk_env", ["SIYU_SERVER"] = "http://10.0.0.5:5080" };

        var fromEnvironment = Parse("f.csv --tenant demo", environment)!;
        var explicitValues = Parse("f.csv --tenant demo --api-key sk_arg --server http://localhost:1", environment)!;

        Assert.Equal("sk_env", fromEnvironment.ApiKey);
        Assert.Equal(new Uri("http://10.0.0.5:5080/"), fromEnvironment.Server);
        Assert.Equal("sk_arg", explicitValues.ApiKey);
        Assert.Equal(new Uri("http://localhost:1/"), explicitValues.Server);
    }

    [Fact]
    public void A_dry_run_needs_no_key()
    {
        Assert.Null(Parse("f.csv --tenant demo --dry-run")!.ApiKey);
    }

    [Theory]
    [InlineData("--tenant demo --api-key k", "missing FILE")]
    [InlineData("f.csv --api-key k", "--tenant is required")]
    [InlineData("f.csv --tenant demo", "no API key")]
    [InlineData("f.csv --tenant demo --api-key k --batch 1001", "--batch must be")]
    [InlineData("f.csv --tenant demo --api-key k --batch 0", "--batch must be")]
    [InlineData("f.csv --tenant demo --api-key k --batch ten", "--batch must be")]
    [InlineData("f.csv --tenant demo --api-key k --server ftp://x", "--server must be")]
    [InlineData("f.csv --tenant demo --api-key k --verbose", "unknown option '--verbose'")]
    [InlineData("f.csv g.csv --tenant demo --api-key k", "only one FILE")]
    [InlineData("f.csv --tenant", "--tenant needs a value")]
    [InlineData("f.csv --tenant demo --api-key k --errors-out ./f.csv", "must not be the file being imported")]
    public void Usage_mistakes(string args, string expected)
    {
        Assert.Contains(expected, Error(args));
    }
}
