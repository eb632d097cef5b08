// C++ names for the demangler's tests: a method in a namespace, a
// template instance, an operator and an overloaded pair.
#include <cstdio>
#include <cstdlib>

#define NOINLINE __attribute__((noinline))

namespace geo
{
struct Shape {
	NOINLINE double spin(int n);
	NOINLINE Shape &operator+=(const Shape &o);
	double v = 0;
};

double Shape::spin(int n)
{
	volatile double x = v;

	for (int i = 0; i < n; i++)
		x = x + i * 0.5;
	return x;
}

Shape &Shape::operator+=(const Shape &o)
{
	v += o.v;
	return *this;
}
} // namespace geo

template <typename T> NOINLINE T twice(T v)
{
	geo::Shape s;

	return (T)(s.spin((int)v) + s.spin((int)v));
}

NOINLINE long over(long a)
{
	return a * 3;
}
NOINLINE double over(double a, const char *)
{
	return a * 2;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 200;
	geo::Shape a, b;
	double t = 0;

	for (long i = 0; i < rounds; i++) {
		t += twice<int>(200000) + twice<double>(10);
		a += b;
	}
	printf("%f %ld %f\n", t, over(rounds), over(t, "x"));
	return 0;
}
