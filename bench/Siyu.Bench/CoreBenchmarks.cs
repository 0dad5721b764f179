using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Bench;

/// <summary>
/// Hot paths in isolation: validating an event and resolving its identifiers (ingest), and the name test customer
/// search runs on every profile of a partition.
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    private readonly EventParser _parser = new(new EventParserOptions());
    private JsonDocument _event = null!;
    private IdentityGraph _graph = null!;
    private (IdentifierType, string)[][] _known = null!;
    private CustomerProfile[] _profiles = null!;
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
        // Names as profiles hold them after a replay: attribute values parsed from the log's JSON.
        string[] surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
        _profiles = new CustomerProfile[100_000];
        for (var i = 0; i < _profiles.Length; i++)
        {
            _profiles[i] = new CustomerProfile { CustomerId = i };
            var attributes = JsonNode.Parse($$"""{"name":"{{surnames[i % surnames.Length]}}客户{{i}}"}""")!.AsObject();
            _profiles[i].Apply(new ProfileEvent(i + 1, i, EventTypes.ProfileUpdated, DateTime.UnixEpoch.Ticks + i, null, attributes));
        }
    }

    [Benchmark]
    public IncomingEvent? ParseEvent() => _parser.Parse(_event.RootElement, "e", DateTimeOffset.UtcNow, "bench", []);

    /// <summary>Customer search's name test over 100,000 profiles (one partition's worth at a large tenant).</summary>
    [Benchmark]
    public int NameSearch100k()
    {
        var hits = 0;
        foreach (var p in _profiles)
        {
            if (p.DisplayName is { } name && name.Contains("王客", StringComparison.OrdinalIgnoreCase))
            {
                hits++;
            }
        }
        return hits;
    }

    [Benchmark]
    public long ResolveKnownPhone() => _graph.Resolve(_known[_i++ % _known.Length], 1).CustomerId;
}
