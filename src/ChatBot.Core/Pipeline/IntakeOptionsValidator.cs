using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>The ranges on <see cref="IntakeOptions"/>, checked by code generated at build (no reflection at start).</summary>
[OptionsValidator]
public sealed partial class IntakeOptionsValidator : IValidateOptions<IntakeOptions>;
