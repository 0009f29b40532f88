using System.Diagnostics.Metrics;
using ChatBot.Core.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Core.Observability;

/// <summary>
/// The product's one <see cref="Meter"/>: what an admin alerts on, exported at <c>/metrics</c> in Prometheus format.
/// Labels are bounded sets only — platform, channel, outcome, result, error code, category — never a user, a chat or
/// a word: a metric is metadata, as a log line is.
/// </summary>
public sealed class ChatBotMetrics
{
    public const string MeterName = "ChatBot";

    private readonly Counter<long> _callbacks;
    private readonly Histogram<double> _ack;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _answer;
    private readonly Histogram<double> _firstToken;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _tokenRate;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _quota;
    private readonly Counter<long> _screening;
    private readonly Counter<long> _knowledge;
    private readonly Counter<long> _citations;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _queueNotices;

    public ChatBotMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _callbacks = Meter.CreateCounter<long>("chatbot.callbacks", description: "Platform messages by platform, channel and outcome (accepted, duplicate, refused_input, over_quota, over_burst, rejected, unavailable, in_progress)");
        _ack = Meter.CreateHistogram<double>("chatbot.ack.duration", "s", "From a message's arrival to intake's decision (the platform's ack)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _queueWait = Meter.CreateHistogram<double>("chatbot.queue.wait", "s", "From a message's arrival to its job starting",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        _answer = Meter.CreateHistogram<double>("chatbot.answer.duration", "s", "A job's work by kind, from start to the reply sent",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160] });
        _firstToken = Meter.CreateHistogram<double>("chatbot.answer.time_to_first_token", "s", "From a job's start to the model's first token",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32] });
        _tokens = Meter.CreateCounter<long>("chatbot.tokens.generated", description: "Tokens the model generated");
        _tokenRate = Meter.CreateHistogram<double>("chatbot.answer.tokens_per_second", description: "Generation speed of each answer",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 15, 20, 30, 40, 60, 100] });
        _replies = Meter.CreateCounter<long>("chatbot.replies", description: "Reply sends by platform and result (ok, retried, failed) and error code");
        _quota = Meter.CreateCounter<long>("chatbot.quota", description: "Quota events: charged, denied (daily or burst), refunded");
        _screening = Meter.CreateCounter<long>("chatbot.screening.hits", description: "Sensitive-word hits by direction (input, output) and category; never the word");
        _knowledge = Meter.CreateCounter<long>("chatbot.knowledge.questions", description: "Questions through retrieval by result (grounded, unsure, refused, general)");
        _citations = Meter.CreateCounter<long>("chatbot.knowledge.citations",
            description: "Grounded answers by the passage cited: first (the search's), moved (another the answer was written from), related (the answer said the documents do not cover it)");
        _reconnects = Meter.CreateCounter<long>("chatbot.long_connection.reconnects", description: "Long-connection reconnects by connection");
        _queueNotices = Meter.CreateCounter<long>("chatbot.queue_notices", description: "Users told their place in line for the model, by result (sent, skipped_rate_limit, failed)");
    }

    /// <summary>Metrics on a meter of their own, for parts used outside the host (a command-line verb, a unit test).</summary>
    public static ChatBotMetrics Standalone() =>
        new(new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<IMeterFactory>());

    /// <summary>For gauges registered where their values live (queue depth, model, long connections).</summary>
    public Meter Meter { get; }

    public void Intake(Platform platform, string channel, string outcome, TimeSpan elapsed)
    {
        var tags = Tags(platform, channel, outcome);
        _callbacks.Add(1, tags);
        _ack.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("platform", Name(platform)));
    }

    public void Rejected(Platform platform, string channel, string reason) =>
        _callbacks.Add(1, [.. Tags(platform, channel, "rejected"), new("reason", reason)]);

    public void QueueWait(TimeSpan wait) => _queueWait.Record(Math.Max(0, wait.TotalSeconds));

    public void Answered(Platform platform, string kind, TimeSpan elapsed) =>
        _answer.Record(elapsed.TotalSeconds, new("platform", Name(platform)), new("kind", kind));

    public void Generated(int tokens, TimeSpan firstToken, TimeSpan total)
    {
        _tokens.Add(tokens);
        _firstToken.Record(firstToken.TotalSeconds);
        var generating = total - firstToken;
        if (tokens > 1 && generating > TimeSpan.Zero)
        {
            _tokenRate.Record((tokens - 1) / generating.TotalSeconds);
        }
    }

    public void Reply(Platform platform, string result, string code = "") =>
        _replies.Add(1, new("platform", Name(platform)), new("result", result), new("code", code));

    public void Quota(string @event) => _quota.Add(1, new KeyValuePair<string, object?>("event", @event));

    public void ScreeningHit(string direction, string category) => _screening.Add(1, new("direction", direction), new("category", category));

    public void Knowledge(string result) => _knowledge.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>How a grounded answer's citation was chosen: how often the model answers from another passage than the search's first, or says there is no rule.</summary>
    public void Citation(string cited) => _citations.Add(1, new KeyValuePair<string, object?>("cited", cited));

    public void LineNotice(string result) => _queueNotices.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Reconnected(string connection) => _reconnects.Add(1, new KeyValuePair<string, object?>("connection", connection));

    private static KeyValuePair<string, object?>[] Tags(Platform platform, string channel, string outcome) =>
        [new("platform", Name(platform)), new("channel", channel), new("outcome", outcome)];

    private static string Name(Platform platform) => platform == Platform.WeCom ? "wecom" : "dingtalk";
}
