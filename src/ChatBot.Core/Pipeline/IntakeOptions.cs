using System.ComponentModel.DataAnnotations;

namespace ChatBot.Core.Pipeline;

/// <summary>Settings shared by every callback endpoint. Section <c>Intake</c>.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>
    /// How long a platform message id is remembered once taken in. Longer than every redelivery window: WeCom nonces
    /// are unique for 2 h, DingTalk signatures stay valid ±1 h (wecom.md §4, dingtalk.md §2).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan DedupeTtl { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// How long one delivery's claim holds a message while intake decides. A retry arriving meanwhile is told to
    /// retry (not acknowledged); a claim whose instance died mid-decision frees itself after this long, inside the
    /// platforms' redelivery span (WeCom: 3 retries about 5 s apart; DingTalk: 16–60 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan PendingClaimTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The time intake may take to decide, inside the platforms' 5-s (WeCom) and ~3-s (DingTalk) ack deadlines.
    /// Past it the platform is told to retry, and what this delivery took is given back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:00:04.500")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>Largest callback body accepted, in bytes; larger bodies get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
