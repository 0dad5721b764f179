using System.Reflection;
using Siyu.Cli.Import;

namespace Siyu.Cli;

/// <summary>Dispatches <c>siyu &lt;command&gt;</c>. Exit codes: 0 success, 1 some rows failed, 2 usage or configuration error.</summary>
public static class RootCommand
{
    public const int Success = 0;
    public const int PartialFailure = 1;
    public const int UsageError = 2;

    public const string Help = """
        siyu - command-line tool for the Siyu customer platform

        Usage:
          siyu import orders FILE.csv --tenant SLUG [options]   Import orders from a CSV file
          siyu analytics markov|heuristic|rfm [options]         Attribution and RFM over files (offline)
          siyu backup --data DIR --out DIR2                     Online backup of the SQLite storage and keys
          siyu restore --from DIR2 --data DIR [--force]         Put a backup in place (server stopped)
          siyu version                                          Print the version
          siyu --help                                           Show this help

        Run 'siyu import --help' or 'siyu analytics --help' for options and CSV columns.
        """;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            await context.Err.WriteLineAsync(Help);
            return UsageError;
        }
        switch (args[0])
        {
            case "-h" or "--help" or "help":
                await context.Out.WriteLineAsync(Help);
                return Success;
            case "version" or "--version":
                await context.Out.WriteLineAsync($"siyu {Version}");
                return Success;
            case "import":
                return await ImportCommand.RunAsync(args[1..], context, cancellationToken);
            case "backup":
                return await Backup.BackupCommand.BackupAsync(args[1..], context, cancellationToken);
            case "restore":
                return await Backup.BackupCommand.RestoreAsync(args[1..], context, cancellationToken);
            case "analytics":
                return await Analytics.AnalyticsCommand.RunAsync(args[1..], context, cancellationToken);
            default:
                await context.Err.WriteLineAsync($"error: unknown command '{args[0]}'. Run 'siyu --help'.");
                return UsageError;
        }
    }

    public static string Version =>
        typeof(RootCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RootCommand).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
