namespace MriCs.Dicom.Imaging;

/// <summary>A vector or point in the patient coordinate system (PS3.3 C.7.6.2.1.1), in millimetres.</summary>
public readonly record struct Vector3D(double X, double Y, double Z)
{
    public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);

    public double Dot(Vector3D o) => X * o.X + Y * o.Y + Z * o.Z;

    public Vector3D Cross(Vector3D o) => new(Y * o.Z - Z * o.Y, Z * o.X - X * o.Z, X * o.Y - Y * o.X);

    public Vector3D Normalized()
    {
        double l = Length;
        return l > 0 ? new Vector3D(X / l, Y / l, Z / l) : this;
    }

    public static Vector3D operator +(Vector3D a, Vector3D b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vector3D operator -(Vector3D a, Vector3D b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Vector3D operator *(Vector3D a, double s) => new(a.X * s, a.Y * s, a.Z * s);

    public override string ToString() => FormattableString.Invariant($"({X:G6}, {Y:G6}, {Z:G6})");
}
