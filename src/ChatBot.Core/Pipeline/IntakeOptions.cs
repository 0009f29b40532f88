using System.ComponentModel.DataAnnotations;

namespace ChatBot.Core.Pipeline;

/// <summary>Settings shared by every callback endpoint. Section <c>Intake</c>.</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>
    /// How long a platform message id is remembered. Longer than every redelivery window: WeCom nonces are
    /// unique for 2 h, DingTalk signatures stay valid ±1 h (wecom.md §4, dingtalk.md §2).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan DedupeTtl { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Largest callback body accepted, in bytes; larger bodies get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
