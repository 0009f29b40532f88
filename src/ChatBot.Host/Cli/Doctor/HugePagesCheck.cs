using ChatBot.Inference;
using ChatBot.Inference.Native;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>Whether the model's weights can go onto transparent huge pages, as Inference:HugePages asks.</summary>
internal static class HugePagesCheck
{
    public static Finding Run(InferenceOptions options)
    {
        if (!string.Equals(options.Provider, "Local", StringComparison.OrdinalIgnoreCase) || !options.HugePages)
        {
            return new("huge pages", Verdict.Skip, "Inference:HugePages is off or the model is not local: the weights are mapped from the file");
        }

        if (!OperatingSystem.IsLinux())
        {
            return new("huge pages", Verdict.Skip, "transparent huge pages are Linux-only: on this system the weights are mapped from the file");
        }

        var mode = HugePageWeights.SystemMode() ?? "unavailable";
        return HugePageWeights.Offered
            ? new("huge pages", Verdict.Pass, $"transparent huge pages '{mode}': the weights move onto them after start")
            : new("huge pages", Verdict.Warn, $"transparent huge pages are '{mode}' in this kernel: the weights stay on small pages, one chat generates about a tenth slower",
                "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (on the host, for containers)");
    }
}
