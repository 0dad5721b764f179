using System.Collections;
using Siyu.Core.Compliance;

namespace Siyu.Server.Compliance;

/// <summary>
/// Every logger the app creates masks phone, ID card and bank card numbers in the message and in string-valued state
/// (<see cref="PiiMask.MaskText"/>), whichever provider writes it — the framework's own lines too, such as the
/// request line with a <c>?q=13812345678</c> search. Wraps the logger factory, so providers added later are covered.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = PiiMask.MaskText(formatter(state, exception));
            inner.Log(logLevel, eventId, new RedactedState(state as IReadOnlyList<KeyValuePair<string, object?>>, message), exception, static (s, _) => s.Message);
        }
    }

    /// <summary>The masked message, with the structured values (strings masked) for providers that read them.</summary>
    private sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>>? values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values?.Count ?? 0;

        public KeyValuePair<string, object?> this[int index] => values![index] is { Value: string text } pair && pair.Key != "{OriginalFormat}"
            ? new KeyValuePair<string, object?>(pair.Key, PiiMask.MaskText(text))
            : values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}
