using System.ComponentModel.DataAnnotations;

namespace ChatBot.Core.Queue;

/// <summary>Section <c>Queue</c>: the Hangfire queue and its sealed envelopes.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queue";

    /// <summary>
    /// Base64 of 32 random bytes sealing queued messages (AES-256-GCM). Required with Redis, so every instance
    /// opens every envelope; empty with the in-memory queue, where a random per-process key is used.
    /// </summary>
    public string EnvelopeKey { get; set; } = "";

    /// <summary>
    /// Hangfire workers in this instance; 0 = four per parallel sequence (Inference:ParallelSequences), 16 to 64. Workers
    /// beyond the sequences wait in the answer line, where their users are told their place.
    /// </summary>
    [Range(0, 64)]
    public int WorkerCount { get; set; }

    /// <summary>How often a job that failed for a system reason is retried before the user is told.</summary>
    [Range(0, 10)]
    public int Retries { get; set; } = 3;

    /// <summary>
    /// Whether this instance runs answer jobs. False makes an intake-only instance (callbacks in, jobs queued to
    /// the shared Redis) beside worker instances — so webhook acks never wait behind inference for CPU.
    /// </summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Seconds before each retry (the last value repeats).</summary>
    public int[] RetryDelaySeconds { get; set; } = [5, 30, 120];

    /// <summary>The Hangfire dashboard at /hangfire, for admins only; off by default.</summary>
    public bool DashboardEnabled { get; set; }

    /// <summary>Basic-auth user and password of the dashboard; required when it is on.</summary>
    public string DashboardUser { get; set; } = "";

    public string DashboardPassword { get; set; } = "";
}
