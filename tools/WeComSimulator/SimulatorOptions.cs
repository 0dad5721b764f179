using Microsoft.Extensions.Logging;

namespace Siyu.WeComSimulator;

/// <summary>How a simulated WeCom corp is set up. Defaults give a ready demo corp on 127.0.0.1:5199.</summary>
public sealed class SimulatorOptions
{
    public const string DefaultCorpId = "ww5a1e0c4b2f3d9e70";
    public const string DefaultSecret = "siyu-simulator-secret";
    public const string DefaultToken = "SiyuSimToken";

    /// <summary>A valid 43-character EncodingAESKey (decodes to 32 bytes).</summary>
    public const string DefaultEncodingAesKey = "c2l5dS13ZWNvbS1zaW11bGF0b3Ita2V5LTAxMjM0NTY";

    /// <summary>Kestrel URLs; use <c>http://127.0.0.1:0</c> for a free port (read it back with <see cref="SimulatorApp.GetBaseAddress"/>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5199";

    public string CorpId { get; set; } = DefaultCorpId;

    /// <summary>Accepted corpsecrets (one per simulated app); gettoken with any other answers 40001.</summary>
    public IList<string> Secrets { get; set; } = [DefaultSecret];

    /// <summary>The self-built app's agentid: message/send must name it.</summary>
    public long AgentId { get; set; } = 1000002;

    /// <summary>Callback Token shared with Siyu's callback endpoint.</summary>
    public string Token { get; set; } = DefaultToken;

    /// <summary>Callback EncodingAESKey shared with Siyu's callback endpoint.</summary>
    public string EncodingAESKey { get; set; } = DefaultEncodingAesKey;

    /// <summary>Siyu's callback URL to POST encrypted events to; null sends none.</summary>
    public string? CallbackUrl { get; set; }

    /// <summary>Seed for the demo corp and for generated ids: same seed, same data.</summary>
    public int Seed { get; set; } = 20251125;

    /// <summary>When false the corp starts with departments, staff and tag groups but no customers.</summary>
    public bool SeedDemoData { get; set; } = true;

    public int ExternalContactCount { get; set; } = 60;

    /// <summary>Demo follow relations are dated over 300 days from here (null: 2025-01-01, fixed for reproducible tests).</summary>
    public DateTimeOffset? DemoEpoch { get; set; }

    /// <summary>Customer groups in the demo corp (only when <see cref="SeedDemoData"/>).</summary>
    public int GroupChatCount { get; set; } = 12;

    /// <summary>WeCom's limit on a customer group's size.</summary>
    public int MaxGroupMembers { get; set; } = 200;

    /// <summary>
    /// How many corp mass messages a customer receives per calendar month (China time) before further ones
    /// answer status 3; null means WeCom's default, as many as the month has days.
    /// </summary>
    public int? MassMessageMonthlyCap { get; set; }

    /// <summary>A transfer completes this long after the request unless the customer refuses (reported as takeover_time).</summary>
    public TimeSpan TransferDelay { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Drives token and welcome-code expiry and event timestamps; pass a FakeTimeProvider in tests.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(7200);

    /// <summary>WeCom's welcome_code lives about 20 seconds.</summary>
    public TimeSpan WelcomeCodeLifetime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>WeCom waits 5 s for the callback answer ...</summary>
    public TimeSpan CallbackTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>... and retries up to 3 times.</summary>
    public int CallbackRetries { get; set; } = 3;

    public TimeSpan CallbackRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Console logging is off when embedded, so the host's output stays its own.</summary>
    public bool LogToConsole { get; set; }

    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;
}
