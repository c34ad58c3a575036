namespace MriCs.Evaluation.Input;

/// <summary>
/// Bad evaluation input: names the file and the 1-based line (0 when the problem concerns the
/// file as a whole). Messages never quote patient identifiers.
/// </summary>
public sealed class EvaluationInputException(string file, int line, string problem)
    : Exception(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
