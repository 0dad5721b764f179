using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Bench;

/// <summary>Hot paths of ingest in isolation: validating an event and resolving its identifiers.</summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    private readonly EventParser _parser = new(new EventParserOptions());
    private JsonDocument _event = null!;
    private IdentityGraph _graph = null!;
    private (IdentifierType, string)[][] _known = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _event = JsonDocument.Parse("""
            {"id": "o1", "type": "order.paid", "timestamp": "2026-11-25T09:00:00+08:00",
             "identifiers": {"phone": "13800138000", "platform_id": "taobao:b1"},
             "properties": {"order_id": "T1", "amount": 12.5, "category": "母婴"}}
            """);
        _graph = new IdentityGraph(new IdentityOptions());
        _graph.Load([], [], [], 1);
        _known = new (IdentifierType, string)[100_000][];
        for (var i = 0; i < _known.Length; i++)
        {
            _known[i] = [(IdentifierType.Phone, $"139{i:D8}")];
            _graph.Resolve(_known[i], i);
        }
    }

    [Benchmark]
    public IncomingEvent? ParseEvent() => _parser.Parse(_event.RootElement, "e", DateTimeOffset.UtcNow, "bench", []);

    [Benchmark]
    public long ResolveKnownPhone() => _graph.Resolve(_known[_i++ % _known.Length], 1).CustomerId;
}
