using System.Text;
using Siyu.Cli;

// Chinese column names and customer names must print correctly on a Windows console too.
Console.OutputEncoding = Encoding.UTF8;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops after the current request and still prints the summary; a second one kills the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

return await RootCommand.RunAsync(args, CliContext.FromConsole(), cancellation.Token);
