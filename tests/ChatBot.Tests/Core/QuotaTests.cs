using ChatBot.Core.AdminFiles;
using ChatBot.Core.Messages;
using ChatBot.Core.Quotas;
using ChatBot.Tests.Shared;
using ChatBot.WeCom;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatBot.Tests.Core;

public sealed class QuotaTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 15, 30, 0, TimeSpan.Zero)); // 23:30 in Shanghai
    private readonly HotReloadedFile<QuotaPolicy> _policy;
    private readonly QuotaGate _gate;

    public QuotaTests()
    {
        File.WriteAllText(_file, """
            { "timeZone": "Asia/Shanghai", "dailyLimit": 3,
              "users": { "vip": 5, "blocked": 0 }, "departments": { "7": 4, "wecom:8": 6 }, "chats": { "busy": 1 }, "admins": [ "boss" ] }
            """);
        _policy = new HotReloadedFile<QuotaPolicy>(_file, QuotaPolicy.Parse, NullLogger.Instance);
        _gate = new QuotaGate(_policy, new MemoryQuotaLedger(), _clock, ChatBot.Core.Observability.ChatBotMetrics.Standalone());
    }

    public void Dispose()
    {
        _policy.Dispose();
        File.Delete(_file);
    }

    private static InboundMessage Message(string user, string chat = "dm", string? department = null) =>
        new(Platform.WeCom, "bot", ChatKind.Direct, chat, user, department, "q", Guid.NewGuid().ToString(), new WeComAppRoute(1, user), DateTimeOffset.UtcNow);

    private async Task<int> Allowed(InboundMessage message, int tries)
    {
        var allowed = 0;
        for (var i = 0; i < tries; i++)
        {
            // Each try is another message: a charge is keyed by the message.
            allowed += (await _gate.ChargeAsync(message with { MessageId = Guid.NewGuid().ToString() }, CancellationToken.None)).Allowed ? 1 : 0;
        }

        return allowed;
    }

    [Theory]
    [InlineData("someone", "dm", null, 3)]
    [InlineData("vip", "busy", "7", 5)]
    [InlineData("someone", "busy", "7", 1)]
    [InlineData("someone", "dm", "7", 4)]
    [InlineData("someone", "dm", "8", 6)]
    [InlineData("blocked", "dm", null, 0)]
    [InlineData("boss", "busy", null, 20)]
    public async Task The_most_specific_rule_wins(string user, string chat, string? department, int expected)
    {
        Assert.Equal(expected, await Allowed(Message(user, chat, department), 20));
    }

    [Fact]
    public void In_several_departments_the_most_generous_rule_applies_and_a_name_is_left_for_the_directory_to_resolve()
    {
        var policy = QuotaPolicy.Parse("""{ "dailyLimit": 3, "departments": { "5": 10, "wecom:6": 30, "dingtalk:6": 2 } }""", "q.json");

        Assert.Equal((30, "departments:wecom:6"), policy.RuleFor("u", ["5", "wecom:5", "6", "wecom:6"], "dm"));
        Assert.Equal((10, "departments:5"), policy.RuleFor("u", ["5", "dingtalk:5", "6", "dingtalk:6"], "dm"));
        Assert.Equal((3, "dailyLimit"), policy.RuleFor("u", null, "dm"));
        // A name parses, and matches no id until the running bot resolves it (DepartmentAndGroupQuotaTests); an empty key does not.
        var named = QuotaPolicy.Parse("""{ "dailyLimit": 3, "departments": { "人力资源部": 100, "wecom:5": 7 } }""", "q.json");
        Assert.True(QuotaPolicy.IsDepartmentName("人力资源部"));
        Assert.True(QuotaPolicy.IsDepartmentName("wecom:人力资源部"));
        Assert.False(QuotaPolicy.IsDepartmentName("dingtalk:300"));
        Assert.Equal((7, "departments:wecom:5"), named.RuleFor("u", ["5", "wecom:5"], "dm"));
        var error = Assert.Throws<AdminFileException>(() => QuotaPolicy.Parse("""{ "departments": { "wecom:": 100 } }""", "q.json"));
        Assert.Contains("departments.\"wecom:\" is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_budget_is_shared_and_both_it_and_the_members_own_limit_must_allow()
    {
        File.WriteAllText(_file, """{ "timeZone": "Asia/Shanghai", "dailyLimit": 2, "groups": { "team": 3 } }""");
        await _policy.ReloadAsync();
        InboundMessage InTeam(string user) => Message(user, "team") with { ChatKind = ChatKind.Group, MessageId = Guid.NewGuid().ToString() };

        var first = InTeam("a");
        var a1 = await _gate.ChargeAsync(first, CancellationToken.None);
        var a2 = await _gate.ChargeAsync(InTeam("a"), CancellationToken.None);
        var a3 = await _gate.ChargeAsync(InTeam("a"), CancellationToken.None); // a's own limit (2) refuses it
        var b1 = await _gate.ChargeAsync(InTeam("b"), CancellationToken.None);
        var b2 = await _gate.ChargeAsync(InTeam("b"), CancellationToken.None); // the group's 3 are spent

        Assert.Equal([true, true, false, true, false], new[] { a1, a2, a3, b1, b2 }.Select(d => d.Allowed));
        Assert.Equal(QuotaVerdict.OverDaily, a3.Verdict);
        Assert.Equal(QuotaVerdict.OverGroup, b2.Verdict);
        // b's refused question cost b nothing; a refunded question gives the group its place back.
        Assert.Equal(1, (await _gate.StandingAsync(Platform.WeCom, "b", null, CancellationToken.None)).Used);
        Assert.Equal(3, (await _gate.GroupStandingAsync(Platform.WeCom, "team", CancellationToken.None)).Used);
        await _gate.RefundAsync(first, CancellationToken.None);
        Assert.Equal(2, (await _gate.GroupStandingAsync(Platform.WeCom, "team", CancellationToken.None)).Used);
        Assert.Equal(1, (await _gate.StandingAsync(Platform.WeCom, "a", null, CancellationToken.None)).Used);
        Assert.True((await _gate.ChargeAsync(InTeam("b"), CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task The_day_rolls_over_at_local_midnight_not_utc()
    {
        var message = Message("someone");
        Assert.Equal(3, await Allowed(message, 5));
        var decision = await _gate.ChargeAsync(message, CancellationToken.None);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.FromHours(8)), decision.Day.ResetsAt);

        _clock.Advance(TimeSpan.FromMinutes(29)); // 23:59 Shanghai
        Assert.Equal(0, await Allowed(message, 1));
        _clock.Advance(TimeSpan.FromMinutes(1)); // 00:00 Shanghai, 16:00 UTC the same UTC day
        Assert.Equal(3, await Allowed(message, 5));
    }

    [Fact]
    public async Task A_refund_gives_back_exactly_the_charge_it_names_once()
    {
        var message = Message("someone");
        Assert.True((await _gate.ChargeAsync(message, CancellationToken.None)).Allowed);
        Assert.Equal(2, await Allowed(message, 3));

        Assert.True(await _gate.RefundAsync(message, CancellationToken.None));
        Assert.False(await _gate.RefundAsync(message, CancellationToken.None), "a second refund of one charge gives nothing back");
        Assert.False(await _gate.RefundAsync(Message("someone"), CancellationToken.None), "a message never charged is not refunded");
        Assert.Equal(1, await Allowed(message, 3));
    }

    [Fact]
    public async Task Charging_a_message_again_counts_it_once()
    {
        var message = Message("someone");
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await _gate.ChargeAsync(message, CancellationToken.None)).Allowed, "a platform retry of a charged message is still allowed");
        }

        Assert.Equal(2, await Allowed(message, 5));
    }

    [Fact]
    public async Task Memory_ledger_is_exact_under_concurrency()
    {
        var ledger = new MemoryQuotaLedger();
        var day = QuotaDay.At(_clock.GetUtcNow(), TimeZoneInfo.Utc);
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() =>
            ledger.TryChargeAsync("u", Guid.NewGuid().ToString(), day, 10, 0, _clock.GetUtcNow(), CancellationToken.None))));

        Assert.Equal(10, results.Count(r => r.Verdict == QuotaVerdict.Charged));
    }

    [Fact]
    public async Task Burst_limit_is_a_sliding_minute_and_a_refund_frees_its_place()
    {
        var ledger = new MemoryQuotaLedger();
        var day = QuotaDay.At(_clock.GetUtcNow(), TimeZoneInfo.Utc);
        async Task<QuotaVerdict> Charge(string id) => (await ledger.TryChargeAsync("u", id, day, 100, 2, _clock.GetUtcNow(), CancellationToken.None)).Verdict;

        Assert.Equal(QuotaVerdict.Charged, await Charge("a"));
        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(QuotaVerdict.Charged, await Charge("b"));
        Assert.Equal(QuotaVerdict.OverBurst, await Charge("c"));
        // A calendar minute would have reset here; a sliding one still counts "a" (40 s + 10 s ago) and "b".
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(QuotaVerdict.OverBurst, await Charge("c"));
        Assert.True(await ledger.RefundAsync("u", "b", CancellationToken.None));
        Assert.Equal(QuotaVerdict.Charged, await Charge("c"));
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(QuotaVerdict.Charged, await Charge("d"));
    }

    [Theory]
    [InlineData("""{ "dailyLimit": -1 }""", "dailyLimit must be 0 or more; got -1")]
    [InlineData("""{ "timeZone": "Mars/Olympus" }""", "timeZone 'Mars/Olympus' is not a known time zone")]
    [InlineData("""{ "users": { "a": -5 } }""", "users.a must be 0 or more; got -5")]
    [InlineData("""{ "dailyLimt": 5 }""", "dailyLimt")]
    [InlineData("""{ "dailyLimit": "ten" }""", "dailyLimit")]
    public void Names_what_is_wrong_in_the_policy(string json, string expected)
    {
        var error = Assert.Throws<AdminFileException>(() => QuotaPolicy.Parse(json, "quotas.json"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("quotas.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_change_applies_without_a_restart_and_a_broken_one_is_ignored()
    {
        var message = Message("someone");
        Assert.Equal(3, await Allowed(message, 5));
        File.WriteAllText(_file, """{ "timeZone": "Asia/Shanghai", "dailyLimit": 6 }""");
        await _policy.ReloadAsync();
        Assert.Equal(3, await Allowed(message, 5));

        File.WriteAllText(_file, """{ "dailyLimit": -3 }""");
        await _policy.ReloadAsync();
        Assert.Equal(6, _policy.Current.DailyLimit);
    }
}
