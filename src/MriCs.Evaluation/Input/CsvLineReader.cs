using System.Text;

namespace MriCs.Evaluation.Input;

/// <summary>
/// Reads RFC 4180-style records (comma separated, double-quoted fields with "" escapes, no
/// line breaks inside fields) with a bound on the record length, so a hostile file cannot make
/// it allocate without limit.
/// </summary>
public sealed class CsvLineReader(TextReader reader, string file, int maxLineChars = 64 * 1024)
{
    private readonly StringBuilder _line = new();

    public int LineNumber { get; private set; }

    /// <summary>Next record's fields, or null at end of input. Blank lines are skipped.</summary>
    public IReadOnlyList<string>? Next()
    {
        while (true)
        {
            if (!ReadLine()) return null;
            if (_line.Length == 0 || IsBlank(_line)) continue;
            return Split();
        }
    }

    private static bool IsBlank(StringBuilder sb)
    {
        for (var i = 0; i < sb.Length; i++) if (!char.IsWhiteSpace(sb[i])) return false;
        return true;
    }

    private bool ReadLine()
    {
        _line.Clear();
        var any = false;
        while (true)
        {
            var c = reader.Read();
            if (c < 0) { if (any) LineNumber++; return any; }
            any = true;
            if (c == '\n') { LineNumber++; return true; }
            if (c == '\r')
            {
                if (reader.Peek() == '\n') reader.Read();
                LineNumber++;
                return true;
            }
            if (_line.Length >= maxLineChars)
                throw new EvaluationInputException(file, LineNumber + 1, $"line longer than {maxLineChars} characters");
            _line.Append((char)c);
        }
    }

    private List<string> Split()
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        var s = _line;
        if (LineNumber == 1 && s.Length > 0 && s[0] == '\uFEFF') i = 1; // byte-order mark
        while (true)
        {
            field.Clear();
            if (i < s.Length && s[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= s.Length) throw new EvaluationInputException(file, LineNumber, "unterminated quoted field");
                    if (s[i] == '"')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(s[i++]);
                }
                if (i < s.Length && s[i] != ',')
                    throw new EvaluationInputException(file, LineNumber, $"unexpected character after quoted field at column {i + 1}");
            }
            else
            {
                while (i < s.Length && s[i] != ',')
                {
                    if (s[i] == '"') throw new EvaluationInputException(file, LineNumber, $"quote inside unquoted field at column {i + 1}");
                    field.Append(s[i++]);
                }
            }
            fields.Add(field.ToString().Trim());
            if (i >= s.Length) return fields;
            i++; // comma
        }
    }
}
