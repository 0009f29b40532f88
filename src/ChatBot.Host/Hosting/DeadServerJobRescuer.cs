using System.Diagnostics;
using Hangfire.Server;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Puts a job back in its queue as soon as the server that fetched it is known dead, so a <c>kill -9</c> costs
/// seconds, not minutes; and deletes job records whose enqueue never completed.
/// </summary>
/// <remarks>
/// Hangfire.Redis.StackExchange requeues such jobs only from a watcher that sleeps a fixed minute between passes,
/// after Hangfire's watchdog has removed the dead server. This process looks every <c>interval</c> at the server named
/// by each fetched job's <c>ServerId</c> and takes it for dead only when it has itself watched that server's heartbeat
/// stand still for <c>deadAfter</c> over several passes of its own — not from a timestamp's age, and not from the
/// server's record being gone. So a pause of Redis (every heartbeat stops, and restarts only after Redis is back),
/// a pause of this process, or clocks apart between hosts do not make a live server dead; and a server the library's
/// watchdog removed while it still ran (its heartbeat writes the record back, without <c>StartedAt</c>, and nothing
/// tells it) keeps its jobs instead of having each one run twice. The requeue is one atomic script that only pushes a
/// job it removed from the fetched list, so it never races the library's watcher (or another instance's rescuer)
/// into queueing a job twice.
/// <para>
/// An enqueue cut off by a Redis timeout can leave the job's record written but never given a state: no worker
/// will ever see it, and Hangfire keeps it for 30 days — a sealed message at rest with no answer coming (its
/// intake told the platform to retry). Records with no state, older than <see cref="OrphanAge"/>, are deleted.
/// </para>
/// </remarks>
internal sealed partial class DeadServerJobRescuer(IConnectionMultiplexer redis, string prefix, TimeSpan interval, TimeSpan deadAfter,
    ILogger<DeadServerJobRescuer> logger) : IBackgroundProcess
{
    // KEYS: fetched list, queue, job hash, its state, its history. ARGV: job id, fetch channel. Returns 1 (queued
    // again), 2 (dropped: its record is gone) or 0 (another rescuer or the library's watcher got there first).
    // After Redis restarted empty, a worker still running may write a job's state back without its record: queued
    // again it could never run, and would come back here every pass, so it is dropped once. "Gone" is judged by
    // CreatedAt, which every record has from its creation: the library's watcher writes Checked into a hash it finds
    // without one, so the key alone may exist with nothing in it.
    private const string RequeueScript = """
        if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then return 0 end
        if redis.call('HEXISTS', KEYS[3], 'CreatedAt') == 0 then
          redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
          return 2
        end
        redis.call('RPUSH', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], 'Fetched', 'Checked')
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>Far longer than any enqueue takes; a record without a state this old was abandoned.</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(2);

    // A heartbeat seen still in fewer passes than this is not evidence, however long the gap between them was.
    private const int PassesStill = 3;

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Stillness> _watched = new(StringComparer.Ordinal);
    private long _lastSweep;

    public void Execute(BackgroundProcessContext context)
    {
        try
        {
            Rescue();
            if (_lastSweep == 0 || Stopwatch.GetElapsedTime(_lastSweep) > SweepEvery)
            {
                _lastSweep = Stopwatch.GetTimestamp();
                SweepOrphans(DateTime.UtcNow - OrphanAge);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis away: every heartbeat stopped with it, so what was watched says nothing; watching starts again.
            _watched.Clear();
            LogFailed(logger, ex.GetType().Name);
        }

        context.StoppingToken.WaitHandle.WaitOne(interval);
    }

    private void Rescue()
    {
        var db = redis.GetDatabase();
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var queue in db.SetMembers(prefix + "queues"))
        {
            var fetched = $"{prefix}queue:{queue}:dequeued";
            foreach (var jobId in db.ListRange(fetched))
            {
                var job = $"{prefix}job:{jobId}";
                var serverId = (string?)db.HashGet(job + ":state", "ServerId");
                if (serverId is null)
                {
                    continue;
                }

                if (!verdicts.TryGetValue(serverId, out var dead))
                {
                    verdicts[serverId] = dead = IsDead(serverId, db.HashGet($"{prefix}server:{serverId}", "Heartbeat"));
                }

                if (!dead)
                {
                    continue;
                }

                switch ((int)db.ScriptEvaluate(RequeueScript, [fetched, $"{prefix}queue:{queue}", job, job + ":state", job + ":history"],
                            [jobId, prefix + "JobFetchChannel"]))
                {
                    case 1:
                        LogRequeued(logger, jobId.ToString(), serverId);
                        break;
                    case 2:
                        LogDropped(logger, jobId.ToString());
                        break;
                }
            }
        }

        // Servers holding no fetched job are no longer watched: watching starts again if one fetches.
        foreach (var server in _watched.Keys.Where(s => !verdicts.ContainsKey(s)).ToList())
        {
            _watched.Remove(server);
        }
    }

    /// <summary>True once this process has seen <paramref name="heartbeat"/> unchanged for <c>deadAfter</c>, in several passes.</summary>
    private bool IsDead(string serverId, RedisValue heartbeat)
    {
        if (!_watched.TryGetValue(serverId, out var still) || still.Heartbeat != heartbeat)
        {
            _watched[serverId] = new Stillness(heartbeat, Stopwatch.GetTimestamp(), 1);
            return false;
        }

        _watched[serverId] = still = still with { Passes = still.Passes + 1 };
        return still.Passes >= PassesStill && Stopwatch.GetElapsedTime(still.Since) >= deadAfter;
    }

    private sealed record Stillness(RedisValue Heartbeat, long Since, int Passes);

    /// <summary>Deletes job records that never got a state and were created before <paramref name="before"/>.</summary>
    public int SweepOrphans(DateTime before)
    {
        var db = redis.GetDatabase();
        var deleted = 0;
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var key in server.Keys(db.Database, prefix + "job:*", pageSize: 500))
            {
                var name = key.ToString();
                var id = name[(prefix.Length + 4)..];
                if (id.Contains(':', StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = db.HashGet(key, ["State", "CreatedAt"]);
                if (!fields[0].IsNullOrEmpty || fields[1].IsNullOrEmpty || Created(fields[1]!) is not { } created || created >= before)
                {
                    continue;
                }

                // Another instance's sweep may have deleted it a moment ago: count and log only what this one removed.
                if (db.KeyDelete([key, (RedisKey)(name + ":state"), (RedisKey)(name + ":history")]) == 0)
                {
                    continue;
                }

                deleted++;
                LogOrphanDeleted(logger, id);
            }
        }

        return deleted;
    }

    /// <summary>
    /// When Hangfire wrote the record, in either of its forms: Unix milliseconds (what it writes at
    /// <c>CompatibilityLevel.Version_170</c> and later, as this bot runs it) or an ISO date (older records). Hangfire's
    /// own reader decides, so the sweep reads what the storage really wrote.
    /// </summary>
    internal static DateTime? Created(string value)
    {
        try
        {
            return Hangfire.Common.JobHelper.DeserializeNullableDateTime(value)?.ToUniversalTime();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Job record {JobId} was never queued (its enqueue was cut off); deleted")]
    private static partial void LogOrphanDeleted(ILogger logger, string jobId);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Job {JobId} was held by server {ServerId}, whose heartbeat stopped; queued again")]
    private static partial void LogRequeued(ILogger logger, string jobId, string serverId);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Job {JobId} was held by a server that died, and its record is gone (Redis lost it); dropped")]
    private static partial void LogDropped(ILogger logger, string jobId);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Debug, Message = "Dead-server rescue pass failed: {ErrorType}")]
    private static partial void LogFailed(ILogger logger, string errorType);
}
