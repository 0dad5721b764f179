namespace Siyu.Cli;

/// <summary>Everything a command touches outside its arguments, so tests can run commands in-process.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Err { get; init; }

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Waits between retries; tests pass one that returns at once.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static CliContext FromConsole() => new() { Out = Console.Out, Err = Console.Error };
}
